/**
 * Bench 5 — rate-limit honesty: the simulator allows N requests per second and answers 429 + Retry-After
 * beyond that. The sync must finish, send nothing during a Retry-After window, and draw few 429s.
 *
 * Simulator in its own process (in process, a busy event loop stamps arrivals late and a request sent before the
 * client could see a 429 is counted as sent during the window): 5,000 users, 200 groups (53 requests), 10 ms per
 * request, 20 requests/s; concurrency 8.
 * Bound on 429s: one burst of `concurrency` per rate window the read needs (ceil(requests / N) windows).
 * Then a seeded 429 storm (20 % of SCIM requests answer 429 + Retry-After: 1, no quota headers to pace on).
 *
 *   npx tsx bench/rate-limit.ts
 */
import { createZuoraConnection } from '#src/zuora/connection.ts'
import { startRemoteSimulator } from './lib/sim-process.ts'
import { configForSimulator } from './lib/config.ts'
import { fmtMs, isMain, log, printReport, type BenchReport, type TargetResult } from './lib/report.ts'

export interface RateLimitOptions {
  users?: number
  groups?: number
  requestsPerSecond?: number
  latencyMs?: number
  concurrency?: number
}

/** One full read, timed; `complete` when every user and group came back. */
async function timedRead (conn: ReturnType<typeof createZuoraConnection>, users: number, groups: number) {
  const t0 = performance.now()
  const outcome = await conn.readDirectory().then(read => ({ read, error: undefined }), (err: unknown) => ({ read: undefined, error: err as Error }))
  const complete = outcome.read !== undefined && outcome.read.users.length === users && outcome.read.groups.length === groups
  return { ...outcome, wallMs: performance.now() - t0, complete }
}

export async function runRateLimit (opts: RateLimitOptions = {}): Promise<BenchReport> {
  const users = opts.users ?? 5_000
  const groups = opts.groups ?? 200
  const rps = opts.requestsPerSecond ?? 20
  const latencyMs = opts.latencyMs ?? 10
  const concurrency = opts.concurrency ?? 8
  const minRequests = Math.ceil(users / 100) + Math.ceil(groups / 100) + 1
  const windows = Math.ceil(minRequests / rps)
  const bound = concurrency * windows
  const floorMs = (windows - 1) * 1000 // the last window need not be waited out

  const sim = await startRemoteSimulator({ users, groups, seed: 5, latencyMs, rateLimit: { requestsPerSecond: rps } })
  const config = configForSimulator(sim.url, { ZUORA_MAX_CONCURRENCY: String(concurrency), ZUORA_MAX_ATTEMPTS: '10' })
  const conn = createZuoraConnection(config.zuora)
  const results: TargetResult[] = []
  try {
    log(`rate-limit: reading ${users} users / ${groups} groups at ${rps} req/s …`)
    const { read, error, wallMs, complete } = await timedRead(conn, users, groups)
    const c = await sim.counters()
    const stats = conn.stats()
    results.push({
      bench: 'rate-limit',
      target: 'sync finishes under the limit',
      goal: 'complete read',
      measured: complete ? `${read?.users.length} users, ${read?.groups.length} groups in ${fmtMs(wallMs)}` : `failed: ${error?.message ?? 'incomplete read'}`,
      pass: complete,
      data: { wallMs, floorMs }
    })
    results.push({
      bench: 'rate-limit',
      target: 'requests sent during Retry-After',
      goal: '= 0',
      measured: String(c.requestsDuringRetryAfter),
      pass: c.requestsDuringRetryAfter === 0,
      data: { requestsDuringRetryAfter: c.requestsDuringRetryAfter }
    })
    results.push({
      bench: 'rate-limit',
      target: '429 answers',
      goal: `≤ ${bound} (${concurrency} per window × ${windows})`,
      measured: `${c.rateLimited} (${c.totalRequests} requests, minimum ${minRequests}; ${stats.rateLimitWaits} pauses, ${fmtMs(stats.rateLimitWaitMs)} paused)`,
      ratio: c.rateLimited / bound,
      pass: c.rateLimited <= bound,
      data: { rateLimited: c.rateLimited, totalRequests: c.totalRequests, minRequests, bound, stats }
    })
    results.push({
      bench: 'rate-limit',
      target: 'wall vs limit floor',
      goal: `(info) floor ${fmtMs(floorMs)}`,
      measured: fmtMs(wallMs),
      ratio: floorMs > 0 ? wallMs / floorMs : undefined,
      pass: true,
      data: { wallMs, floorMs }
    })
    // b) 429 storm: injected 429s with Retry-After: 1 on 20 % of SCIM requests (no rate-limit headers to pace on)
    await sim.set({ rateLimit: null, faults: { seed: 9, rate: 0.2, kinds: ['429'] }, retryAfterSeconds: 1 })
    await sim.resetCounters()
    const conn2 = createZuoraConnection(config.zuora)
    log('rate-limit: 429 storm (20 % of requests, Retry-After: 1) …')
    const { error: error2, wallMs: wall2, complete: complete2 } = await timedRead(conn2, users, groups)
    await conn2.close()
    const c2 = await sim.counters()
    results.push({
      bench: 'rate-limit',
      target: '429 storm: sync finishes, nothing sent during Retry-After',
      goal: 'complete, = 0',
      measured: complete2
        ? `complete in ${fmtMs(wall2)}; ${c2.requestsDuringRetryAfter} during Retry-After; ${c2.faultsInjected} injected 429s, ${c2.totalRequests} requests`
        : `failed: ${error2?.message ?? 'incomplete read'}`,
      pass: complete2 && c2.requestsDuringRetryAfter === 0,
      data: { wallMs: wall2, requestsDuringRetryAfter: c2.requestsDuringRetryAfter, injected: c2.faultsInjected, totalRequests: c2.totalRequests }
    })
  } finally {
    await conn.close()
    await sim.close()
  }
  return { bench: 'rate-limit', results, notes: [`rate limit ${rps} req/s (fixed 1 s window), concurrency ${concurrency}, ${minRequests} minimum requests; then a seeded 429 storm (20 %, Retry-After: 1)`] }
}

if (isMain(import.meta.url)) {
  runRateLimit().then(printReport).catch((err) => { console.error(err); process.exitCode = 1 })
}
