/**
 * Proves that Swagger UI renders: starts the demo stack in-process (simulator + service on 127.0.0.1), loads /docs
 * in headless Chromium, checks the rendered DOM for the operations, and saves a screenshot.
 *
 *   npx tsx scripts/docs-screenshot.ts [out.png]      (default /tmp/swagger-ui.png)
 *
 * Needs a Chromium (`apt-get install -y chromium`; or set CHROMIUM=/path/to/chrome). Exits non-zero when the
 * page did not render (helmet's CSP blocking Swagger UI's scripts shows up here).
 */
import { execFile } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { Writable } from 'node:stream'
import { promisify } from 'node:util'
import { startDemo } from '../src/demo.ts'

const run = promisify(execFile)

/** Rendered-only markers: present once Swagger UI's JavaScript built the page from /openapi.json. */
const RENDERED = [/class="[^"]*opblock-tag/, /listUsers|\/users/, /Zuora/]

function chromiumBinary (): string {
  return process.env.CHROMIUM ?? 'chromium'
}

function chromiumArgs (extra: string[]): string[] {
  return [
    '--headless', '--disable-gpu', '--no-first-run', '--hide-scrollbars',
    ...(process.getuid?.() === 0 ? ['--no-sandbox'] : []),
    '--virtual-time-budget=15000',
    ...extra
  ]
}

async function main (): Promise<number> {
  const out = process.argv[2] ?? '/tmp/swagger-ui.png'
  const sink = new Writable({ write (_chunk, _enc, done) { done() } })
  const demo = await startDemo({
    env: { PORT: '0', LOG_LEVEL: 'warn', DEMO_USERS: '200', DEMO_GROUPS: '8', DEMO_LATENCY_MS: '0' },
    out: sink
  })
  try {
    const url = `${demo.url}/docs/`
    const { stdout: dom } = await run(chromiumBinary(), chromiumArgs(['--dump-dom', url]), { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 })
    const missing = RENDERED.filter(re => !re.test(dom))
    if (missing.length > 0) {
      process.stderr.write(`Swagger UI did not render at ${url}: missing ${missing.map(String).join(', ')}\n`)
      return 1
    }
    await run(chromiumBinary(), chromiumArgs([`--screenshot=${out}`, '--window-size=1280,900', url]), { timeout: 60_000 })
    const size = (await stat(out)).size
    if (size < 10_000) {
      process.stderr.write(`screenshot ${out} is suspiciously small (${size} bytes)\n`)
      return 1
    }
    process.stdout.write(`Swagger UI rendered; screenshot written to ${out} (${size} bytes)\n`)
    return 0
  } finally {
    await demo.close()
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`docs screenshot failed: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
