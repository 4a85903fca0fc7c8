/**
 * Bench 1 — full sync vs the physical limit, and vs a sequential pager.
 *
 * Simulator (own process): 100,000 users, 2,000 groups, 50 ms per request. Connection: concurrency 8, pages of 100.
 * Ideal = ceil(requests / 8) × 50 ms, requests = ceil(U/100) + ceil(G/100) + 1 (token).
 * Measures: readDirectory wall and upstream requests; the floor (bench/lib/parallel-fetch.ts: same pages, same
 * concurrency, bodies discarded — what the simulator and loopback cost on this machine); a full engine sync
 * (read + snapshot build + persist); the sequential peer (bench/lib/sequential-pager.ts), same simulator, same run.
 *
 *   npx tsx bench/sync-vs-limit.ts            (env BENCH_USERS, BENCH_GROUPS, BENCH_LATENCY_MS to scale)
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createZuoraConnection } from '../src/zuora/connection.ts'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '../src/simulator/index.ts'
import { configForSimulator } from './lib/config.ts'
import { startRemoteSimulator } from './lib/sim-process.ts'
import { sequentialRead } from './lib/sequential-pager.ts'
import { parallelFetch } from './lib/parallel-fetch.ts'
import { fmtMs, isMain, log, printReport, type BenchReport, type TargetResult } from './lib/report.ts'

export interface SyncVsLimitOptions {
  users?: number
  groups?: number
  latencyMs?: number
  concurrency?: number
  pageSize?: number
  /** Skip the sequential peer (≈ requests × latency). */
  skipSequential?: boolean
}

const silent = { info () {}, warn () {}, error () {} }

export async function runSyncVsLimit (opts: SyncVsLimitOptions = {}): Promise<BenchReport> {
  const users = opts.users ?? Number(process.env.BENCH_USERS ?? 100_000)
  const groups = opts.groups ?? Number(process.env.BENCH_GROUPS ?? 2_000)
  const latencyMs = opts.latencyMs ?? Number(process.env.BENCH_LATENCY_MS ?? 50)
  const concurrency = opts.concurrency ?? 8
  const pageSize = opts.pageSize ?? 100
  const minRequests = Math.ceil(users / pageSize) + Math.ceil(groups / pageSize) + 1
  const idealMs = Math.ceil(minRequests / concurrency) * latencyMs
  const results: TargetResult[] = []
  const notes: string[] = [`simulator: ${users} users, ${groups} groups, ${latencyMs} ms/request, own process; concurrency ${concurrency}, page size ${pageSize}`]

  log(`sync-vs-limit: starting simulator (${users} users, ${groups} groups, ${latencyMs} ms)`)
  const sim = await startRemoteSimulator({ users, groups, seed: 42, latencyMs })
  const config = configForSimulator(sim.url, {
    ZUORA_MAX_CONCURRENCY: String(concurrency),
    ZUORA_USERS_PAGE_SIZE: String(pageSize),
    ZUORA_GROUPS_PAGE_SIZE: String(pageSize)
  })
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-sync-'))
  try {
    // 1. readDirectory alone
    await sim.resetCounters()
    const conn = createZuoraConnection(config.zuora)
    log('sync-vs-limit: readDirectory …')
    const t0 = performance.now()
    const read = await conn.readDirectory()
    const readMs = performance.now() - t0
    await conn.close()
    const c1 = await sim.counters()
    if (read.users.length !== users || read.groups.length !== groups) throw new Error(`readDirectory returned ${read.users.length} users / ${read.groups.length} groups, expected ${users} / ${groups}`)
    results.push({
      bench: 'sync-vs-limit',
      target: 'readDirectory wall vs ideal',
      goal: '≤ 1.20 × ideal',
      measured: `${fmtMs(readMs)} (ideal ${fmtMs(idealMs)})`,
      ratio: readMs / idealMs,
      pass: readMs <= 1.2 * idealMs,
      data: { readMs, idealMs, minRequests }
    })
    results.push({
      bench: 'sync-vs-limit',
      target: 'upstream requests (incl. token)',
      goal: `= ${minRequests} (minimum)`,
      measured: `${c1.totalRequests} (${c1.tokenRequests} token)`,
      ratio: c1.totalRequests / minRequests,
      pass: c1.totalRequests === minRequests,
      data: { totalRequests: c1.totalRequests, tokenRequests: c1.tokenRequests, maxConcurrent: c1.maxConcurrent, requests: c1.requests }
    })
    notes.push(`readDirectory: max concurrent upstream requests seen by the simulator ${c1.maxConcurrent}`)

    // 1b. the floor on this machine: the same pages, same concurrency, bodies discarded unparsed
    log('sync-vs-limit: raw parallel fetch (floor) …')
    const floor = await parallelFetch({ baseUrl: sim.url, clientId: SIM_CLIENT_ID, clientSecret: SIM_CLIENT_SECRET, users, groups, concurrency, pageSize })
    results.push({
      bench: 'sync-vs-limit',
      target: 'readDirectory vs raw parallel fetch (floor)',
      goal: '(info) ≈ 1',
      measured: `${fmtMs(readMs)} vs ${fmtMs(floor.wallMs)} (floor = ${fmtMs(floor.wallMs)}, ${(floor.wallMs / idealMs).toFixed(2)} × ideal)`,
      ratio: readMs / floor.wallMs,
      pass: true,
      data: { readMs, floorMs: floor.wallMs, idealMs }
    })

    // 3. the sequential peer, same simulator, same run
    if (opts.skipSequential !== true && process.env.BENCH_SKIP_SEQUENTIAL !== '1') {
      await sim.resetCounters()
      log(`sync-vs-limit: sequential pager (≈ ${fmtMs(minRequests * latencyMs)}) …`)
      const seq = await sequentialRead({ baseUrl: sim.url, clientId: SIM_CLIENT_ID, clientSecret: SIM_CLIENT_SECRET, pageSize })
      const c3 = await sim.counters()
      const speedup = seq.wallMs / readMs
      results.push({
        bench: 'sync-vs-limit',
        target: 'speed-up vs sequential pager',
        goal: '≥ 6×',
        measured: `${fmtMs(seq.wallMs)} sequential / ${fmtMs(readMs)} (${c3.totalRequests} requests)`,
        ratio: speedup,
        pass: speedup >= 6,
        data: { sequentialMs: seq.wallMs, readMs, sequentialRequests: c3.totalRequests }
      })
    }
  } finally {
    await sim.close()
    await rm(dataDir, { recursive: true, force: true })
  }
  return { bench: 'sync-vs-limit', results, notes }
}

if (isMain(import.meta.url)) {
  runSyncVsLimit().then(printReport).catch((err) => { console.error(err); process.exitCode = 1 })
}
