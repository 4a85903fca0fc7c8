/**
 * Bench 4 — token storm: every page of a directory read needs the token; when it has expired or Zuora revokes it
 * mid-read, the pages in flight and the ones queued behind them share exactly one token request.
 *
 * Simulator in its own process (20,000 users, 10 groups → 204 pages, 10 ms per request, concurrency 8):
 *  a) expiry: tokens live 2 s; one read warms a token, the bench waits until it has expired (client and server
 *     side), then reads again (new tokens then live an hour);
 *  b) revocation: 100 ms into a read the simulator revokes every token (SCIM answers 401 to the pages in flight).
 * Measures token requests (simulator counter) and each read's time vs ceil(pages / 8) × latency.
 *
 *   npx tsx bench/token-storm.ts
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createZuoraConnection } from '#src/zuora/connection.ts'
import { startRemoteSimulator } from './lib/sim-process.ts'
import { configForSimulator } from './lib/config.ts'
import { fmtMs, isMain, log, printReport, type BenchReport, type TargetResult } from './lib/report.ts'

export interface TokenStormOptions {
  users?: number
  latencyMs?: number
  concurrency?: number
}

export async function runTokenStorm (opts: TokenStormOptions = {}): Promise<BenchReport> {
  const users = opts.users ?? 20_000
  const latencyMs = opts.latencyMs ?? 10
  const concurrency = opts.concurrency ?? 8
  const ttlSeconds = 2
  const sim = await startRemoteSimulator({ users, groups: 10, seed: 4, latencyMs, tokenTtlSeconds: ttlSeconds })
  const config = configForSimulator(sim.url, { ZUORA_MAX_CONCURRENCY: String(concurrency) })
  const conn = createZuoraConnection(config.zuora)
  const results: TargetResult[] = []

  const storm = async (label: string, during?: () => Promise<void>): Promise<void> => {
    await sim.resetCounters()
    const t0 = performance.now()
    const reading = conn.readDirectory()
    await during?.()
    const outcome = await reading.then(read => ({ read }), (err: unknown) => ({ err: err as Error }))
    const drainMs = performance.now() - t0
    const c = await sim.counters()
    const pages = c.totalRequests - c.tokenRequests - c.unauthorized
    const idealMs = Math.ceil(pages / concurrency) * latencyMs
    const complete = 'read' in outcome && outcome.read.users.length === users
    results.push({
      bench: 'token-storm',
      target: `${label}: token requests for a ${pages}-page read`,
      goal: '= 1',
      measured: `${c.tokenRequests} token request(s); ${c.unauthorized} page(s) answered 401; ${complete ? 'complete' : `failed (${'err' in outcome ? outcome.err.message : 'incomplete'})`}`,
      ratio: c.tokenRequests,
      pass: c.tokenRequests === 1 && complete,
      data: { tokenRequests: c.tokenRequests, unauthorized: c.unauthorized, pages }
    })
    results.push({
      bench: 'token-storm',
      target: `${label}: time to read`,
      goal: `(info) ideal ${fmtMs(idealMs)}`,
      measured: `${fmtMs(drainMs)}, max ${c.maxConcurrent} concurrent`,
      ratio: drainMs / idealMs,
      pass: true,
      data: { drainMs, idealMs, maxConcurrent: c.maxConcurrent, totalRequests: c.totalRequests }
    })
  }

  try {
    await conn.readDirectory() // warm a token, then let it expire
    log(`token-storm: waiting ${ttlSeconds} s for the token to expire …`)
    await sleep(ttlSeconds * 1000 + 100)
    await sim.set({ tokenTtlSeconds: null }) // the next token lives an hour: one refresh is all a read needs
    await storm('expired token')
    await storm('revoked mid-read (401)', async () => { await sleep(100); await sim.revokeTokens() })
  } finally {
    await conn.close()
    await sim.close()
  }
  return {
    bench: 'token-storm',
    results,
    notes: [`${users} users, concurrency ${concurrency}, ${latencyMs} ms per request (simulator in its own process, answers at arrival + latency)`]
  }
}

if (isMain(import.meta.url)) {
  runTokenStorm().then(printReport).catch((err) => { console.error(err); process.exitCode = 1 })
}
