/**
 * Bench 1 — full directory read vs the physical limit, and vs a sequential pager, same simulator, same run.
 *
 * Simulator (own process): 100,000 users, 2,000 groups, 50 ms per request. Connection: concurrency 8, pages of 100.
 * requests = ceil(U/100) + ceil(G/100) + 1 (token) = 1021; ideal = ceil(requests / 8) × 50 ms = 6.40 s.
 * (The ideal packs the token into a round with pages; a read cannot: the token comes first, then page 1 of each
 * list tells how many pages there are. With exactly the minimum requests the bound is 2 × 50 ms +
 * ceil((requests − 3) / 8) × 50 ms = 6.50 s — reported as a note.)
 *
 * Latency: the simulator answers 50 ms after a request arrived (render included), as a remote service with
 * parallel capacity behaves.
 *
 * Rows: readDirectory wall vs ideal; upstream requests vs the minimum; the floor (bench/lib/parallel-fetch.ts:
 * same pages, same concurrency, bodies discarded); a full engine sync (read + build + persist + publish) with
 * its phases; the sequential peer (bench/lib/sequential-pager.ts).
 *
 *   npx tsx bench/sync-vs-limit.ts     (env BENCH_USERS, BENCH_GROUPS, BENCH_LATENCY_MS; BENCH_SKIP_SEQUENTIAL=1
 *                                       skips the ≈ 55 s sequential peer)
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createZuoraConnection } from '#src/zuora/connection.ts'
import { createSyncEngine } from '#src/sync/sync-engine.ts'
import { createSnapshotHolder } from '#src/sync/snapshot-holder.ts'
import { createFileSnapshotStore } from '#src/sync/file-snapshot-store.ts'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '#simulator/index.ts'
import type { DirectoryRead } from '#src/zuora/types.ts'
import { silentLogger, type ZuoraLogger } from '#src/zuora/logger.ts'
import { pagePlan } from '#src/zuora/scim-client.ts'
import { configForSimulator } from './lib/config.ts'
import { startRemoteSimulator, type RemoteSimulator } from './lib/sim-process.ts'
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

const BENCH = 'sync-vs-limit'
const silent = { info () {}, warn () {}, error () {} }

interface Attempt { end: number, ms: number, endpoint: string, path: string }

/**
 * From the attempts of one read: when each listing ran (users pages, groups' first pass, groups' second pass: a
 * path asked again), how busy the `concurrency` slots were from the first page to the last, and how long
 * fewer than `concurrency` requests were in flight then.
 */
function listingSpans (attempts: readonly Attempt[], concurrency: number): { listings: Record<string, [number, number]>, busy: number, underfullMs: number } {
  const listings: Record<string, [number, number]> = {}
  const seen = new Set<string>()
  const pages = attempts.filter(a => a.endpoint !== 'token')
  for (const a of pages) {
    const key = a.endpoint === 'groups' && seen.has(a.path) ? 'groups second pass' : `${a.endpoint} pages`
    seen.add(a.path)
    const [from, to] = listings[key] ?? [Infinity, 0]
    listings[key] = [Math.min(from, a.end - a.ms), Math.max(to, a.end)]
  }
  const from = Math.min(...pages.map(a => a.end - a.ms))
  const to = Math.max(...pages.map(a => a.end))
  const edges = pages.flatMap(a => [[a.end - a.ms, 1], [a.end, -1]] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1])
  let inFlight = 0
  let underfullMs = 0
  for (const [i, [t, d]] of edges.entries()) {
    inFlight += d
    const next = edges[i + 1]?.[0] ?? t
    if (inFlight < concurrency) underfullMs += next - t
  }
  const busy = pages.reduce((n, a) => n + a.ms, 0) / (concurrency * (to - from))
  return { listings, busy, underfullMs }
}

export async function runSyncVsLimit (opts: SyncVsLimitOptions = {}): Promise<BenchReport> {
  const users = opts.users ?? Number(process.env.BENCH_USERS ?? 100_000)
  const groups = opts.groups ?? Number(process.env.BENCH_GROUPS ?? 2_000)
  const latencyMs = opts.latencyMs ?? Number(process.env.BENCH_LATENCY_MS ?? 50)
  const concurrency = opts.concurrency ?? 8
  const pageSize = opts.pageSize ?? 100
  const skipSequential = opts.skipSequential ?? process.env.BENCH_SKIP_SEQUENTIAL === '1'
  const minRequests = Math.ceil(users / pageSize) + Math.ceil(groups / pageSize) + 1
  const idealMs = Math.ceil(minRequests / concurrency) * latencyMs
  const dependencyBoundMs = 2 * latencyMs + Math.ceil((minRequests - 3) / concurrency) * latencyMs
  // what the reader plans (src/zuora/scim-client.ts pagePlan): users ('item' startIndex) overlap by one resource
  // per page to catch a listing that shifts during the read; groups ('page' startIndex) are read twice
  const usersPlan = pagePlan('item', users, pageSize)
  const groupsPlan = pagePlan('page', groups, pageSize)
  // ZUORA_*_START_INDEX=auto (the default): one start-index probe per listing longer than its first page
  const probes = (users > pageSize ? 1 : 0) + (groups > pageSize ? 1 : 0)
  const plannedRequests = 1 + probes + usersPlan.pages * (usersPlan.verifyPass ? 2 : 1) + groupsPlan.pages * (groupsPlan.verifyPass ? 2 : 1)
  // the reader's own floor: the token, then the first pages with the start-index probes (two dependent rounds),
  // then the rest packed; with a token already held (a running service's next sync) one round less
  const planFloorMs = (2 + Math.ceil((plannedRequests - 3 - probes) / concurrency)) * latencyMs
  const warmFloorMs = planFloorMs - latencyMs
  const results: TargetResult[] = []
  const notes: string[] = [
    `simulator: ${users} users, ${groups} groups, ${latencyMs} ms/request (answer at arrival + latency), own process; concurrency ${concurrency}, page size ${pageSize}`,
    `ideal = ceil(${minRequests} / ${concurrency}) × ${latencyMs} ms = ${fmtMs(idealMs)}; with the token and the first pages necessarily before the rest: ${fmtMs(dependencyBoundMs)}; ` +
      `the reader's plan (${plannedRequests} requests, 2 dependent rounds) cannot finish before ${fmtMs(planFloorMs)} = ${(planFloorMs / idealMs).toFixed(3)} × ideal ` +
      `(${fmtMs(warmFloorMs)} = ${(warmFloorMs / idealMs).toFixed(3)} × with a token already held)`
  ]
  const config = (url: string) => configForSimulator(url, {
    ZUORA_MAX_CONCURRENCY: String(concurrency),
    ZUORA_USERS_PAGE_SIZE: String(pageSize),
    ZUORA_GROUPS_PAGE_SIZE: String(pageSize)
  })
  const timedRead = async (sim: RemoteSimulator): Promise<{ read: DirectoryRead, ms: number }> => {
    const conn = createZuoraConnection(config(sim.url).zuora)
    try {
      const t0 = performance.now()
      const read = await conn.readDirectory()
      const ms = performance.now() - t0
      if (read.users.length !== users || read.groups.length !== groups) throw new Error(`readDirectory returned ${read.users.length} users / ${read.groups.length} groups, expected ${users} / ${groups}`)
      return { read, ms }
    } finally {
      await conn.close()
    }
  }
  const floorOf = (sim: RemoteSimulator) => parallelFetch({ baseUrl: sim.url, clientId: SIM_CLIENT_ID, clientSecret: SIM_CLIENT_SECRET, users, groups, concurrency, pageSize })

  log(`${BENCH}: starting simulator (${users} users, ${groups} groups, ${latencyMs} ms at arrival)`)
  const sim = await startRemoteSimulator({ users, groups, seed: 42, latencyMs })
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-sync-'))
  try {
    // 1–2. readDirectory and the floor (same pages, same concurrency, bodies discarded unparsed), alternated
    // twice; the best of each counts (a shared machine only ever makes a run slower)
    const reads: number[] = []
    const floors: number[] = []
    const requestCounts: number[] = []
    let maxConcurrent = 0
    let tokenRequests = 0
    for (let round = 1; round <= 2; round++) {
      await sim.resetCounters()
      log(`${BENCH}: readDirectory (${round}/2) …`)
      reads.push((await timedRead(sim)).ms)
      const c = await sim.counters()
      requestCounts.push(c.totalRequests)
      maxConcurrent = Math.max(maxConcurrent, c.maxConcurrent)
      tokenRequests = Math.max(tokenRequests, c.tokenRequests)
      log(`${BENCH}: raw parallel fetch, the floor (${round}/2) …`)
      floors.push((await floorOf(sim)).wallMs)
    }
    const readMs = Math.min(...reads)
    const floorMs = Math.min(...floors)
    results.push({
      bench: BENCH,
      target: 'readDirectory wall vs ideal',
      goal: '≤ 1.20 × ideal',
      measured: `${fmtMs(readMs)} (ideal ${fmtMs(idealMs)}; runs ${reads.map(fmtMs).join(', ')})`,
      ratio: readMs / idealMs,
      pass: readMs <= 1.2 * idealMs,
      data: { readMs, reads, idealMs, dependencyBoundMs, minRequests }
    })
    results.push({
      bench: BENCH,
      target: 'upstream requests per read (incl. token)',
      goal: `= ${minRequests} (minimum)`,
      measured: `${requestCounts.join(', ')} (${tokenRequests} token each; reader's plan ${plannedRequests}: ` +
        `${usersPlan.pages} users pages${usersPlan.step < pageSize ? ` overlapping by ${pageSize - usersPlan.step}` : ''}, ` +
        `${groupsPlan.pages}${groupsPlan.verifyPass ? ' × 2' : ''} groups pages, ${probes} start-index probes), max ${maxConcurrent} in flight`,
      ratio: Math.max(...requestCounts) / minRequests,
      pass: requestCounts.every(n => n === minRequests) && maxConcurrent <= concurrency,
      data: { requestCounts, tokenRequests, maxConcurrent, minRequests, plannedRequests, probes, usersPlan, groupsPlan }
    })
    results.push({
      bench: BENCH,
      target: 'readDirectory vs raw parallel fetch (floor)',
      goal: '(info) ≈ 1',
      measured: `${fmtMs(readMs)} vs ${fmtMs(floorMs)} (floor ${(floorMs / idealMs).toFixed(2)} × ideal; runs ${floors.map(fmtMs).join(', ')})`,
      ratio: readMs / floorMs,
      pass: true,
      data: { readMs, floorMs, floors, idealMs }
    })

    // 3. a full engine sync: read + buildDirectory + Snapshot.build + persist (file store, fsync) + publish,
    // with every upstream attempt on a timeline (the connection's 'zuora attempt' debug lines)
    const attempts: Attempt[] = []
    const coldAttempts: Attempt[] = []
    const t1 = performance.now()
    const timeline: ZuoraLogger = {
      ...silentLogger,
      debug (o, msg) {
        const a = o as { endpoint: string, path?: string, durationMs: number }
        if (msg === 'zuora attempt') attempts.push({ end: performance.now() - t1, ms: a.durationMs, endpoint: a.endpoint, path: a.path ?? '' })
      }
    }
    const conn2 = createZuoraConnection(config(sim.url).zuora, { logger: timeline })
    const engine = createSyncEngine({
      zuora: conn2,
      holder: createSnapshotHolder(),
      store: createFileSnapshotStore(dataDir),
      logger: silent,
      connectorVersion: 'bench',
      intervalSeconds: 0
    })
    log(`${BENCH}: engine sync …`)
    // cold: a new connection (token, detection and pools from scratch); warm: the next sync of the same service,
    // which finds its token still valid (Zuora's live an hour) — the start-index detection runs on every sync
    for (const kind of ['cold', 'warm'] as const) {
      const t0 = performance.now()
      const job = engine.trigger('api')
      await engine.whenIdle()
      const ms = performance.now() - t0
      const finished = engine.job(job.id)
      if (finished?.status !== 'succeeded') throw new Error(`engine sync ${finished?.status}: ${finished?.error?.detail}`)
      // where the time went: the job's own per-phase record (src/sync/sync-engine.ts)
      const phases = finished.phases ?? {}
      results.push({
        bench: BENCH,
        target: `engine sync end to end (job start → published) vs ideal, ${kind}`,
        goal: '≤ 1.20 × ideal',
        measured: `${fmtMs(ms)}: ${Object.entries(phases).map(([phase, ms]) => `${phase} ${fmtMs(ms)}`).join(', ')}`,
        ratio: ms / idealMs,
        pass: ms <= 1.2 * idealMs,
        data: { syncMs: ms, phases, idealMs, floorMs: kind === 'cold' ? planFloorMs : warmFloorMs }
      })
      if (kind === 'cold') attempts.splice(0).forEach(a => coldAttempts.push(a))
    }
    await engine.close()
    await conn2.close()
    const spans = listingSpans(coldAttempts, concurrency)
    notes.push(`engine sync's requests (ms from job start, first start–last end): ${Object.entries(spans.listings).map(([k, [a, b]]) => `${k} ${a.toFixed(0)}–${b.toFixed(0)}`).join(', ')}; ` +
      `slots busy ${(spans.busy * 100).toFixed(0)} % from the first page to the last; below ${concurrency} in flight for ${fmtMs(spans.underfullMs)} of it (dependent rounds and the tail)`)

    // 4. the sequential peer, same simulator, same run
    if (!skipSequential) {
      await sim.resetCounters()
      log(`${BENCH}: sequential pager (≈ ${fmtMs(minRequests * latencyMs)}) …`)
      const seq = await sequentialRead({ baseUrl: sim.url, clientId: SIM_CLIENT_ID, clientSecret: SIM_CLIENT_SECRET, pageSize })
      const c3 = await sim.counters()
      const speedup = seq.wallMs / readMs
      results.push({
        bench: BENCH,
        target: 'speed-up vs sequential pager',
        goal: '≥ 6×',
        measured: `${fmtMs(seq.wallMs)} sequential (${c3.totalRequests} requests) / ${fmtMs(readMs)}`,
        ratio: speedup,
        pass: speedup >= 6 && seq.users === users && seq.groups === groups,
        data: { sequentialMs: seq.wallMs, readMs, sequentialRequests: c3.totalRequests }
      })
    }
  } finally {
    await sim.close()
    await rm(dataDir, { recursive: true, force: true })
  }

  return { bench: BENCH, results, notes }
}

if (isMain(import.meta.url)) {
  runSyncVsLimit().then(printReport).catch((err) => { console.error(err); process.exitCode = 1 })
}
