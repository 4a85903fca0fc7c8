/**
 * Bench 4 — token storm: 1000 concurrent upstream calls while the token is expired → exactly one token request.
 *
 * Two storms on one connection (simulator in its own process, 2,010 users, 10 ms per request, concurrency 8):
 *  a) expiry: tokens live 2 s; one call warms a token, the bench waits until it has expired (client and
 *     server side), then fires 1000 getUser calls on distinct ids at once (new tokens then live an hour);
 *  b) revocation: the simulator revokes every token (SCIM answers 401), then 1000 more distinct calls.
 * Measures token requests (simulator counter) and the time to drain each storm vs ceil(1001 / 8) × latency.
 *
 *   npx tsx bench/token-storm.ts
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { createZuoraConnection } from '#src/zuora/connection.ts'
import { generateOrg } from '#simulator/index.ts'
import { startRemoteSimulator } from './lib/sim-process.ts'
import { configForSimulator } from './lib/config.ts'
import { fmtMs, isMain, log, printReport, type BenchReport, type TargetResult } from './lib/report.ts'

export interface TokenStormOptions {
  calls?: number
  latencyMs?: number
  concurrency?: number
}

export async function runTokenStorm (opts: TokenStormOptions = {}): Promise<BenchReport> {
  const calls = opts.calls ?? 1000
  const latencyMs = opts.latencyMs ?? 10
  const concurrency = opts.concurrency ?? 8
  const ttlSeconds = 2
  const orgOptions = { users: 2 * calls + 10, groups: 10, seed: 4 }
  const sim = await startRemoteSimulator({ ...orgOptions, latencyMs, tokenTtlSeconds: ttlSeconds })
  const config = configForSimulator(sim.url, { ZUORA_MAX_CONCURRENCY: String(concurrency) })
  const conn = createZuoraConnection(config.zuora)
  const ids = generateOrg(orgOptions).users.map(u => u.id) // the same seeded org the simulator serves
  const idealMs = Math.ceil((calls + 1) / concurrency) * latencyMs
  const results: TargetResult[] = []

  const storm = async (label: string, batch: readonly string[]): Promise<void> => {
    await sim.resetCounters()
    const t0 = performance.now()
    const settled = await Promise.allSettled(batch.map(id => conn.getUser(id)))
    const drainMs = performance.now() - t0
    const c = await sim.counters()
    const failed = settled.filter(s => s.status === 'rejected' || s.value === undefined).length
    const firstError = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')?.reason as Error | undefined
    results.push({
      bench: 'token-storm',
      target: `${label}: token requests for ${calls} concurrent calls`,
      goal: '= 1',
      measured: `${c.tokenRequests} token request(s); ${failed} call(s) failed${firstError !== undefined ? ` (${firstError.message})` : ''}`,
      ratio: c.tokenRequests,
      pass: c.tokenRequests === 1 && failed === 0,
      data: { tokenRequests: c.tokenRequests, failed, scimRequests: c.totalRequests - c.tokenRequests, unauthorized: c.unauthorized }
    })
    results.push({
      bench: 'token-storm',
      target: `${label}: time to drain`,
      goal: `(info) ideal ${fmtMs(idealMs)}`,
      measured: `${fmtMs(drainMs)}, max ${c.maxConcurrent} concurrent`,
      ratio: drainMs / idealMs,
      pass: true,
      data: { drainMs, idealMs, maxConcurrent: c.maxConcurrent, totalRequests: c.totalRequests }
    })
  }

  try {
    // warm a token, then let it expire
    const warm = await conn.getUser(ids[ids.length - 1] as string)
    if (warm === undefined) throw new Error('warm-up getUser found nothing')
    log(`token-storm: waiting ${ttlSeconds} s for the token to expire …`)
    await sleep(ttlSeconds * 1000 + 100)
    await sim.set({ tokenTtlSeconds: null }) // the next token lives an hour: one refresh is all the storm needs
    await storm('expired token', ids.slice(0, calls))
    // revoke every token server side: SCIM answers 401 until a new one is fetched
    await sim.revokeTokens()
    await storm('revoked token (401)', ids.slice(calls, 2 * calls))
  } finally {
    await conn.close()
    await sim.close()
  }
  return {
    bench: 'token-storm',
    results,
    notes: [`${calls} getUser calls on distinct ids, concurrency ${concurrency}, ${latencyMs} ms per request (simulator in its own process, answers at arrival + latency)`]
  }
}

if (isMain(import.meta.url)) {
  runTokenStorm().then(printReport).catch((err) => { console.error(err); process.exitCode = 1 })
}
