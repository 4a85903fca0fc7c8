/**
 * A typed wrapper around autocannon (it ships no types): runs one load test and returns the numbers we report.
 */
import { createRequire } from 'node:module'

interface AutocannonResult {
  requests: { average: number, total: number }
  latency: { p50: number, p99: number, average: number, max: number }
  throughput: { average: number }
  errors: number
  timeouts: number
  non2xx: number
  '2xx': number
  duration: number
}

type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon

export interface LoadResult {
  readonly reqPerSec: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly totalRequests: number
  readonly ok: number
  readonly non2xx: number
  readonly errors: number
  readonly bytesPerSec: number
}

export async function load (opts: { url: string, headers?: Record<string, string>, connections: number, durationSeconds: number }): Promise<LoadResult> {
  const r = await autocannon({
    url: opts.url,
    headers: opts.headers ?? {},
    connections: opts.connections,
    duration: opts.durationSeconds,
    pipelining: 1
  })
  return {
    reqPerSec: r.requests.average,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    totalRequests: r.requests.total,
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    bytesPerSec: r.throughput.average
  }
}
