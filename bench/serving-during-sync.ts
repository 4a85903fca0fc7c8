/**
 * Bench — serving stays responsive during a sync: 8 clients loop on GET /users?pageSize=100 against the real service
 * (own process) holding a 100,000-user snapshot while it runs a second full sync of the same size. Only the answers
 * that started after the sync began and before it published count (the quiet baseline is reported beside them).
 *
 *   npx tsx bench/serving-during-sync.ts      (env BENCH_USERS, BENCH_GROUPS, BENCH_LATENCY_MS, BENCH_CONNECTIONS;
 *                                              BENCH_NODE_FLAGS adds service flags, e.g. "--trace-gc" or "--cpu-prof")
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Agent, request } from 'undici'
import { BENCH_API_TOKEN } from './lib/config.ts'
import { startRemoteSimulator } from './lib/sim-process.ts'
import { startServiceProcess } from './lib/service-process.ts'
import { fmtMs, isMain, log, printReport, type BenchReport } from './lib/report.ts'

const BENCH = 'serving-during-sync'

/** [start epoch ms, duration ms] of every answer, from `clients` loops until `stop` resolves. */
async function hammer (url: string, clients: number, stop: Promise<void>): Promise<Array<readonly [number, number]>> {
  const dispatcher = new Agent({ connections: clients, pipelining: 1 })
  const samples: Array<readonly [number, number]> = []
  let done = false
  void stop.then(() => { done = true })
  const client = async (): Promise<void> => {
    while (!done) {
      const at = Date.now()
      const t0 = performance.now()
      const res = await request(url, { dispatcher, headers: { authorization: `Bearer ${BENCH_API_TOKEN}` } })
      await res.body.arrayBuffer()
      if (res.statusCode !== 200) throw new Error(`GET ${url}: HTTP ${res.statusCode}`)
      samples.push([at, performance.now() - t0])
    }
  }
  try {
    await Promise.all(Array.from({ length: clients }, client))
  } finally {
    await dispatcher.close()
  }
  return samples
}

function percentile (sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN
}

function summary (durations: readonly number[]): { n: number, p50: number, p99: number, max: number } {
  const sorted = [...durations].sort((a, b) => a - b)
  return { n: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? NaN }
}

export async function runServingDuringSync (): Promise<BenchReport> {
  const users = Number(process.env.BENCH_USERS ?? 100_000)
  const groups = Number(process.env.BENCH_GROUPS ?? 2_000)
  const latencyMs = Number(process.env.BENCH_LATENCY_MS ?? 50)
  const clients = Number(process.env.BENCH_CONNECTIONS ?? 8)
  const dir = await mkdtemp(join(tmpdir(), 'bench-serving-'))
  log(`${BENCH}: first sync of ${users} users …`)
  const sim = await startRemoteSimulator({ users, groups, seed: 42, latencyMs })
  const flags = (process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(f => f !== '')
  const service = await startServiceProcess(sim.url, { DATA_DIR: join(dir, 'data'), ZUORA_MAX_CONCURRENCY: '8' }, flags)
  try {
    const first = await service.sync()
    if (first.status !== 'succeeded') throw new Error(`first sync ${first.status}: ${first.error?.detail}`)
    const url = `${service.url}/users?pageSize=100`
    log(`${BENCH}: quiet baseline, ${clients} clients, 3 s …`)
    const quiet = summary((await hammer(url, clients, new Promise(resolve => setTimeout(resolve, 3000)))).map(([, ms]) => ms))
    log(`${BENCH}: ${clients} clients during a second sync …`)
    const syncStart = Date.now()
    const second = service.sync()
    const samples = await hammer(url, clients, second.then(() => undefined, () => undefined))
    const job = await second
    const syncEnd = Date.now()
    if (job.status !== 'succeeded') throw new Error(`second sync ${job.status}: ${job.error?.detail}`)
    const during = summary(samples.filter(([at]) => at >= syncStart && at <= syncEnd).map(([, ms]) => ms))
    const phases = job.phases
    // the answers by the sync phase they started in: which phase stalls serving
    const byPhase: Record<string, ReturnType<typeof summary>> = {}
    job.phaseStarts.forEach(({ phase, at }, i) => {
      const until = job.phaseStarts[i + 1]?.at ?? syncEnd
      const inPhase = samples.filter(([start]) => start >= at && start < until).map(([, ms]) => ms)
      if (inPhase.length > 0) byPhase[phase] = summary(inPhase)
    })
    return {
      bench: BENCH,
      results: [{
        bench: BENCH,
        target: `GET /users?pageSize=100 p99 during a ${users / 1000}k sync`,
        goal: '≤ 25 ms',
        measured: `${fmtMs(during.p99)} (p50 ${fmtMs(during.p50)}, ${during.n} answers in ${fmtMs(syncEnd - syncStart)}; quiet p99 ${fmtMs(quiet.p99)})`,
        ratio: during.p99 / 25,
        pass: during.p99 <= 25,
        data: { during, quiet, syncMs: syncEnd - syncStart, phases, byPhase }
      }, {
        bench: BENCH,
        target: `GET /users?pageSize=100 slowest answer during a ${users / 1000}k sync`,
        goal: '≤ 200 ms',
        measured: `${fmtMs(during.max)} (quiet ${fmtMs(quiet.max)})`,
        ratio: during.max / 200,
        pass: during.max <= 200,
        data: { during, quiet }
      }],
      notes: [
        `${clients} clients looping (one request in flight each), simulator ${latencyMs} ms/request and service in their own processes; sync phases (ms) ${JSON.stringify(phases ?? {})}`,
        `answers by the phase they started in (p99 / max): ${Object.entries(byPhase).map(([phase, s]) => `${phase} ${fmtMs(s.p99)} / ${fmtMs(s.max)}`).join(', ')}`
      ]
    }
  } finally {
    await service.close()
    await sim.close()
    await rm(dir, { recursive: true, force: true })
  }
}

if (isMain(import.meta.url)) {
  runServingDuringSync().then(printReport).catch((err) => { console.error(err); process.exitCode = 1 })
}
