/**
 * The real service in its own process (bench/lib/service-child.ts), so that its memory is measured alone
 * (/proc/<pid>/status) and its CPU does not mix with the load generator's.
 */
import { fork } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { SyncJob } from '#src/sync/types.ts'

export interface ServiceProcess {
  readonly url: string
  readonly pid: number
  /** Triggers a sync in the service and resolves with the finished job and when each phase began (epoch ms). */
  sync(): Promise<SyncJob & { phaseStarts: Array<{ phase: string, at: number }> }>
  /** process.memoryUsage() of the service (after a full GC if it runs with --expose-gc). */
  memory(): Promise<NodeJS.MemoryUsage>
  close(): Promise<void>
}

const CHILD = fileURLToPath(new URL('./service-child.ts', import.meta.url))

/**
 * The Node flags the service runs with in production (package.json `start`, Dockerfile ENTRYPOINT): a smaller young
 * generation and a slower-growing heap keep the peak RSS of a 100k-user sync well under 400 MB for ~5 % more GC time.
 */
export const SERVICE_NODE_FLAGS = ['--max-semi-space-size=4', '--heap-growing-percent=50']
/** Compiled runs (`npm start`, the image) resolve the `#src/*` and `#simulator/*` imports to dist/ (package.json "imports"). */
export const COMPILED_CONDITION = '--conditions=compiled'

export async function startServiceProcess (simUrl: string, env: Record<string, string> = {}, execArgv: string[] = []): Promise<ServiceProcess> {
  const child = fork(CHILD, [], {
    execArgv: [...SERVICE_NODE_FLAGS, ...execArgv, '--import', 'tsx'],
    env: { ...process.env, BENCH_SIM_URL: simUrl, BENCH_SERVICE_ENV: JSON.stringify(env) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const url = await new Promise<string>((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      const msg = m as { url?: string }
      if (msg.url !== undefined) { child.off('message', onMessage); resolve(msg.url) }
    }
    child.on('message', onMessage)
    child.once('exit', (code) => reject(new Error(`service process exited (${code}) before listening`)))
    child.once('error', reject)
  })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  return {
    url,
    pid: child.pid ?? -1,
    sync: () => new Promise((resolve, reject) => {
      const phaseStarts: Array<{ phase: string, at: number }> = []
      const onMessage = (m: unknown): void => {
        const msg = m as { job?: SyncJob, error?: string, phase?: string, at?: number }
        if (msg.phase !== undefined && msg.at !== undefined) phaseStarts.push({ phase: msg.phase, at: msg.at })
        if (msg.job !== undefined) { child.off('message', onMessage); resolve({ ...msg.job, phaseStarts }) }
        if (msg.error !== undefined) { child.off('message', onMessage); reject(new Error(msg.error)) }
      }
      child.on('message', onMessage)
      child.send('sync')
    }),
    memory: () => new Promise<NodeJS.MemoryUsage>((resolve) => {
      const onMessage = (m: unknown): void => {
        const msg = m as { memory?: NodeJS.MemoryUsage }
        if (msg.memory !== undefined) { child.off('message', onMessage); resolve(msg.memory) }
      }
      child.on('message', onMessage)
      child.send('memory')
    }),
    close: async () => {
      if (child.exitCode === null) {
        child.send('close')
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
        await exited
        clearTimeout(timer)
      }
    }
  }
}

/** VmRSS / VmHWM of a process, in bytes (Linux /proc). */
export async function procMemory (pid: number): Promise<{ rss: number, hwm: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = (key: string): number => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') }
}

export interface RssSamples {
  readonly peak: number
  readonly samples: number
  /** [epoch ms, rss bytes] */
  readonly series: ReadonlyArray<readonly [number, number]>
}

/** Samples a process's RSS every `intervalMs` until stopped; returns the peak seen and the series. */
export function sampleRss (pid: number, intervalMs = 10): { stop(): Promise<RssSamples> } {
  let peak = 0
  const series: Array<readonly [number, number]> = []
  let running = true
  const loop = (async () => {
    while (running) {
      try {
        const { rss } = await procMemory(pid)
        if (rss > peak) peak = rss
        series.push([Date.now(), rss])
      } catch { /* process gone */ }
      await new Promise(resolve => setTimeout(resolve, intervalMs))
    }
  })()
  return {
    async stop () {
      running = false
      await loop
      return { peak, samples: series.length, series }
    }
  }
}

/** Peak RSS per phase: each phase runs from its `at` to the next one's (the last to `end`). */
export function peaksByPhase (series: RssSamples['series'], phases: ReadonlyArray<{ phase: string, at: number }>, end: number): Record<string, number> {
  const out: Record<string, number> = {}
  phases.forEach((p, i) => {
    const until = phases[i + 1]?.at ?? end
    let peak = 0
    for (const [at, rss] of series) if (at >= p.at && at <= until && rss > peak) peak = rss
    out[p.phase] = Math.max(out[p.phase] ?? 0, peak)
  })
  return out
}
