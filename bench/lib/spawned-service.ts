/**
 * The real service as `npm start` runs it, spawned as a child process with its output captured: for the lifecycle
 * and crash tests and the restart and crash benches. `compiled: true` runs dist/src/server.js (`npm start`; needs
 * `npm run build`), otherwise src/server.ts through tsx (tests: always the sources under test).
 */
import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { COMPILED_CONDITION, SERVICE_NODE_FLAGS } from './service-process.ts'

export const PROJECT_ROOT = join(import.meta.dirname, '..', '..')

/** `npm run build`: dist/ as `npm start` runs it (benches measure the compiled service). */
export function buildDist (): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: PROJECT_ROOT, stdio: 'inherit' })
}

export interface SpawnedService {
  readonly child: ChildProcessByStdio<null, Readable, Readable>
  /** The listening URL, from the "Server listening at" log line (LOG_LEVEL info or lower). */
  readonly url: Promise<string>
  /** Exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>
  output(): string
  /** Resolves when the output so far matches `pattern` (rejects if the process exits first). */
  waitFor(pattern: RegExp): Promise<void>
}

export function serviceArgs (compiled: boolean): string[] {
  return compiled ? [...SERVICE_NODE_FLAGS, COMPILED_CONDITION, 'dist/src/server.js'] : [...SERVICE_NODE_FLAGS, '--import', 'tsx', 'src/server.ts']
}

export function spawnService (env: Record<string, string | undefined>, options: { compiled?: boolean, killAfterMs?: number } = {}): SpawnedService {
  const child = spawn(process.execPath, serviceArgs(options.compiled === true), {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  let exitCode: number | null | undefined
  const waiters = new Set<{ pattern: RegExp, resolve: () => void, reject: (err: Error) => void }>()
  const onData = (d: Buffer): void => {
    out += d.toString()
    for (const w of waiters) if (w.pattern.test(out)) { waiters.delete(w); w.resolve() }
  }
  child.stdout.on('data', onData)
  child.stderr.on('data', onData)
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      exitCode = code
      for (const w of waiters) w.reject(new Error(`service exited (${code}) before logging ${w.pattern}:\n${out.slice(-4000)}`))
      waiters.clear()
      resolve(code)
    })
  })
  const killer = setTimeout(() => { child.kill('SIGKILL') }, options.killAfterMs ?? 120_000)
  void exited.then(() => clearTimeout(killer))
  const waitFor = async (pattern: RegExp): Promise<void> => {
    if (pattern.test(out)) return
    if (exitCode !== undefined) throw new Error(`service exited (${exitCode}) before logging ${pattern}:\n${out.slice(-4000)}`)
    await new Promise<void>((resolve, reject) => { waiters.add({ pattern, resolve, reject }) })
  }
  const url = waitFor(/Server listening at http:\/\/127\.0\.0\.1:\d+/).then(() => /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1] as string)
  url.catch(() => {})
  return { child, url, exited, output: () => out, waitFor }
}

/**
 * The snapshot a service serves: its sync id and how many users one full page walk of GET /users finds (the
 * walk stays on one snapshot; more than one would be an error). Throws when the service is not ready.
 */
export async function servedSnapshot (url: string, token: string): Promise<{ syncId: string, users: number }> {
  const get = async (path: string): Promise<{ status: number, body: any }> => {
    const res = await fetch(url + path, { headers: { authorization: `Bearer ${token}` } })
    return { status: res.status, body: await res.json() }
  }
  const ready = await get('/health/ready')
  if (ready.status !== 200) throw new Error(`not ready: ${JSON.stringify(ready.body)}`)
  let users = 0
  let pageToken = ''
  const syncIds = new Set<string>()
  do {
    const page = await get(`/users?pageSize=250${pageToken === '' ? '' : `&pageToken=${encodeURIComponent(pageToken)}`}`)
    if (page.status !== 200) throw new Error(`GET /users: HTTP ${page.status} ${JSON.stringify(page.body)}`)
    users += (page.body.list as unknown[]).length
    syncIds.add(page.body.syncId as string)
    pageToken = page.body.nextPageToken as string
  } while (pageToken !== '')
  if (syncIds.size !== 1) throw new Error(`one page walk read ${syncIds.size} snapshots`)
  return { syncId: [...syncIds][0] as string, users }
}
