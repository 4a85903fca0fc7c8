/**
 * A simulator in its own process, so that its CPU and memory never mix with what a benchmark measures.
 * Controlled over its /_sim routes (test-only).
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import type { CountersSnapshot, SimulatorOptions, SimulatorSettings } from '#simulator/index.ts'

export interface RemoteSimulator {
  readonly url: string
  readonly pid: number
  counters(): Promise<CountersSnapshot>
  resetCounters(): Promise<void>
  set(settings: SimulatorSettings): Promise<void>
  revokeTokens(): Promise<void>
  failNext(n: number, kind: string, target?: string): Promise<void>
  close(): Promise<void>
}

const CHILD = fileURLToPath(new URL('./sim-child.ts', import.meta.url))

async function call (url: string, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const res = await request(`${url}/_sim/${path}`, {
    method,
    ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {})
  })
  const json = await res.body.json()
  if (res.statusCode !== 200) throw new Error(`simulator /_sim/${path}: HTTP ${res.statusCode} ${JSON.stringify(json)}`)
  return json
}

export async function startRemoteSimulator (options: Omit<SimulatorOptions, 'org' | 'logger'>): Promise<RemoteSimulator> {
  const child: ChildProcess = fork(CHILD, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_SIM_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (m) => resolve((m as { url: string }).url))
    child.once('exit', (code) => reject(new Error(`simulator process exited (${code}) before listening`)))
    child.once('error', reject)
  })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  return {
    url,
    pid: child.pid ?? -1,
    counters: async () => await call(url, 'GET', 'counters') as CountersSnapshot,
    resetCounters: async () => { await call(url, 'POST', 'counters/reset', {}) },
    set: async (settings) => { await call(url, 'POST', 'options', settings) },
    revokeTokens: async () => { await call(url, 'POST', 'revoke', {}) },
    failNext: async (n, kind, target) => { await call(url, 'POST', 'fail-next', { n, kind, ...(target !== undefined ? { target } : {}) }) },
    close: async () => {
      if (child.exitCode === null) {
        child.send('close')
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
        await exited
        clearTimeout(timer)
      }
    }
  }
}
