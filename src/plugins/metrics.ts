/**
 * `app.metrics`: Prometheus metrics in a registry of our own (never prom-client's global one, so several apps in
 * one process — tests — do not collide). Registered before the zuora plugin, which reports upstream calls through
 * `app.metrics.upstream`. `syncMetrics`, registered after the sync plugin, adds the sync outcomes, the snapshot
 * gauges (read on scrape) and, with DATABASE_URL, the replica's.
 */
import fp from 'fastify-plugin'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { UpstreamObserver } from '#src/zuora/types.ts'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ReturnType<typeof createServiceMetrics>
  }
}

const P = 'zuora_c1_'

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
const UPSTREAM_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const SYNC_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]
const PHASE_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900]

/** The registry with the HTTP and upstream metrics, and makers of further ones in it. Pure of Fastify: tests can call it directly. */
export function createServiceMetrics () {
  const registry = new Registry()
  const registers = [registry]
  collectDefaultMetrics({ register: registry, prefix: P })
  const counter = (name: string, help: string, labelNames: string[] = []) => new Counter({ name: P + name, help, labelNames, registers })
  const histogram = (name: string, help: string, labelNames: string[], buckets: number[]) =>
    new Histogram({ name: P + name, help, labelNames, buckets, registers })
  /** `collect` runs on each scrape. */
  const gauge = (name: string, help: string, collect?: (this: Gauge) => void, labelNames: string[] = []) =>
    new Gauge({ name: P + name, help, labelNames, registers, collect })

  const http = histogram('http_request_duration_seconds', 'HTTP requests served, by route pattern, method and status code',
    ['method', 'route', 'status_code'], HTTP_BUCKETS)
  const upstreamRequests = counter('upstream_requests_total', 'Requests to Zuora by endpoint class and HTTP status ("error": no response)',
    ['endpoint', 'status'])
  const upstreamDuration = histogram('upstream_request_duration_seconds', 'Duration of requests to Zuora by endpoint class', ['endpoint'], UPSTREAM_BUCKETS)
  const retries = counter('upstream_retries_total', 'Upstream retries by endpoint class and reason (status code, timeout, network)', ['endpoint', 'reason'])
  const rateLimitWaits = counter('upstream_rate_limit_waits_total',
    'Times the upstream queue paused for a Zuora rate limit (429 Retry-After or ratelimit-remaining pacing)')
  const rateLimitWaitSeconds = counter('upstream_rate_limit_wait_seconds_total', 'Seconds the upstream queue spent paused for rate limits')
  const tokenRefreshes = counter('upstream_token_refreshes_total', 'OAuth token requests by outcome', ['outcome'])
  // Always 0 since the single-resource cache went; kept because metric names are a contract with dashboards.
  const cache = counter('upstream_cache_requests_total', 'Single-resource cache lookups by outcome (hit, miss, stale, inflight)', ['outcome'])
  for (const outcome of ['ok', 'error']) tokenRefreshes.inc({ outcome }, 0)
  for (const outcome of ['hit', 'miss', 'stale', 'inflight']) cache.inc({ outcome }, 0)

  const upstream: UpstreamObserver = {
    request ({ endpoint, status, durationMs }) {
      upstreamRequests.inc({ endpoint, status: String(status) })
      upstreamDuration.observe({ endpoint }, durationMs / 1000)
    },
    retry ({ endpoint, reason }) { retries.inc({ endpoint, reason }) },
    rateLimitWait ({ waitMs }) {
      rateLimitWaits.inc()
      rateLimitWaitSeconds.inc(waitMs / 1000)
    },
    tokenRefresh ({ outcome }) { tokenRefreshes.inc({ outcome }) }
  }
  return { registry, http, upstream, counter, histogram, gauge }
}

export default fp(async (app) => {
  const metrics = createServiceMetrics()
  app.decorate('metrics', metrics)
  app.addHook('onResponse', async (request, reply) => {
    // The route pattern (`/roles/:id/grants`), never the raw URL, keeps the label set bounded.
    const route = request.routeOptions.url ?? '__unmatched'
    metrics.http.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
  })
  app.addHook('onClose', async () => { metrics.registry.clear() })
}, { name: 'metrics' })

/** Sync outcomes, snapshot gauges and the replica's: registered once the sync engine and the snapshots exist. */
export const syncMetrics = fp(async (app) => {
  const { counter, histogram, gauge } = app.metrics
  const syncDuration = histogram('sync_duration_seconds', 'Duration of finished syncs by outcome', ['outcome'], SYNC_BUCKETS)
  const syncPhase = histogram('sync_phase_duration_seconds',
    'Time finished syncs spent in each phase (token, first-pages, pages, done, building, persisting)', ['phase'], PHASE_BUCKETS)
  const syncs = counter('syncs_total', 'Finished syncs by outcome (succeeded, failed, aborted) and trigger (startup, schedule, api)', ['outcome', 'trigger'])
  const lastSuccess = gauge('sync_last_success_timestamp_seconds', 'Unix time of the last successful sync in this process (0: none yet)')
  for (const outcome of ['succeeded', 'failed', 'aborted']) syncs.inc({ outcome, trigger: 'startup' }, 0)

  const stats = () => app.snapshots.current()?.stats
  gauge('sync_running', '1 while a sync is running', function () { this.set(app.syncEngine.running() !== undefined ? 1 : 0) })
  gauge('snapshot_age_seconds', 'Age of the snapshot being served (NaN: none yet)', function () {
    const snap = app.snapshots.current()
    this.set(snap === undefined ? Number.NaN : Math.max(0, (Date.now() - Date.parse(snap.snapshotAt)) / 1000))
  })
  gauge('snapshot_resources', 'Resources in the snapshot being served, by type (user, role, group)', function () {
    this.reset()
    const s = stats()
    if (s !== undefined) for (const type of ['user', 'role', 'group'] as const) this.set({ type }, s.resources[type])
  }, ['type'])
  gauge('snapshot_grants', 'Grants in the snapshot being served, by granting resource type (role, group)', function () {
    this.reset()
    const s = stats()
    if (s !== undefined) for (const type of ['role', 'group'] as const) this.set({ type }, s.grantsByType[type])
  }, ['type'])
  gauge('snapshot_entitlements', 'Entitlements in the snapshot being served', function () { this.set(stats()?.entitlements ?? 0) })

  const replica = app.replica
  if (replica !== undefined) {
    gauge('replica_leader', '1 when this replica is the sync leader, 0 when it follows', function () { this.set(replica.role() === 'leader' ? 1 : 0) })
    gauge('replica_store_up', '1 while PostgreSQL is reachable, 0 while degraded (held snapshots still served)', function () { this.set(replica.storeHealthy() ? 1 : 0) })
    gauge('replica_lag_seconds', 'How long a newer published snapshot has waited to be served by this replica', function () { this.set(replica.lagMs() / 1000) })
  }

  const unsubscribe = app.syncEngine.subscribe((event, job) => {
    if (event !== 'finished' || job.status === 'running') return
    syncs.inc({ outcome: job.status, trigger: job.trigger })
    if (job.durationMs !== undefined) syncDuration.observe({ outcome: job.status }, job.durationMs / 1000)
    for (const [phase, ms] of Object.entries(job.phases ?? {})) syncPhase.observe({ phase }, ms / 1000)
    if (job.status === 'succeeded') lastSuccess.set(Date.parse(job.finishedAt ?? new Date().toISOString()) / 1000)
  })
  app.addHook('onClose', async () => { unsubscribe() })
}, { name: 'sync-metrics', dependencies: ['metrics', 'snapshots', 'sync'] })
