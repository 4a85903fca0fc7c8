/**
 * README.md's promise: against `npm run demo`, the curl commands in the README and the ones the demo prints work
 * as written (after the `export BASE=… TOKEN=…` line the demo prints).
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { promisify } from 'node:util'
import t from 'tap'
import { curlExamples, startDemo } from '#src/demo.ts'

const run = promisify(execFile)
const PROBLEM = /zuora-c1-facade\.local\/problems\//

/** Shell code blocks of the README, and the single-line curl commands among them. */
async function readmeShell (): Promise<{ curls: string[], blocks: string[] }> {
  const text = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8')
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map(m => m[1] as string)
  const curls = blocks.flatMap(b => b.split('\n')).map(l => l.trim()).filter(l => l.startsWith('curl '))
  return { curls, blocks }
}

t.test('README and demo curl commands work verbatim against the demo', async (t) => {
  const sink = new Writable({ write (_c, _e, done) { done() } })
  const demo = await startDemo({ env: { PORT: '0', LOG_LEVEL: 'silent', DEMO_LATENCY_MS: '0' }, out: sink })
  t.teardown(() => demo.close())
  t.equal(demo.firstSync?.status, 'succeeded')
  const env = { PATH: process.env.PATH, BASE: demo.url, TOKEN: demo.token }

  for (const cmd of curlExamples(demo.url, demo.token)) {
    const { stdout } = await run('bash', ['-c', cmd], { env })
    t.ok(stdout.length > 0, `demo: ${cmd.replace(demo.token, '<token>')}`)
    t.notMatch(stdout, PROBLEM)
  }

  const { curls, blocks } = await readmeShell()
  t.ok(curls.length >= 15, `README has curl examples (${curls.length})`)
  for (const cmd of curls) {
    const { stdout } = await run('bash', ['-c', cmd], { env })
    t.ok(stdout.length > 0, `README: ${cmd}`)
    t.notMatch(stdout, PROBLEM, `no problem answer: ${cmd}`)
  }
  await demo.service.app.syncEngine.whenIdle()

  const walk = blocks.find(b => b.includes('while :; do'))
  t.ok(walk, 'the page-walk example exists')
  const { stdout } = await run('bash', ['-c', walk as string], { env })
  const total = stdout.trim().split('\n').map(Number).reduce((a, b) => a + b, 0)
  t.equal(total, 2000, 'the walk reads every user once')
})
