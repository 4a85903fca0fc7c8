/**
 * `app.metrics`: Prometheus metrics in a registry of our own (never prom-client's global one, so several apps in
 * one process — tests — do not collide). Registered before the zuora plugin, which reports upstream calls through
 * `app.metrics.upstream`. `syncMetrics`, registered after the sync plugin, feeds it the sync engine's events and
 * the snapshot gauges (read on scrape).
 */
import fp from 'fastify-plugin'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { Snapshot } from '#src/sync/snapshot.ts'
import type { SyncJob } from '#src/sync/types.ts'
import type { UpstreamObserver } from '#src/zuora/types.ts'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: ReturnType<typeof createServiceMetrics>
  }
}

export const METRIC_PREFIX = 'zuora_c1_'
const P = METRIC_PREFIX

/** Label of requests that matched no route (keeps the label set bounded: raw URLs never become labels). */
export const UNMATCHED_ROUTE = '__unmatched'

const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
const UPSTREAM_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
const SYNC_BUCKETS = [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]

/** What the scrape-time gauges read (set by `watch` once the snapshots and the sync engine exist). */
export interface MetricsSources {
  readonly snapshot: () => Pick<Snapshot, 'snapshotAt' | 'stats'> | undefined
  readonly syncRunning: () => boolean
}

/** Builds the registry and every metric. Pure of Fastify: tests can call it directly. */
export function createServiceMetrics (now: () => number = Date.now) {
  const registry = new Registry()
  const registers = [registry]
  let sources: Partial<MetricsSources> = {}
  collectDefaultMetrics({ register: registry, prefix: P })

  const http = new Histogram({
    name: `${P}http_request_duration_seconds`,
    help: 'HTTP requests served, by route pattern, method and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_BUCKETS,
    registers
  })

  const upstreamRequests = new Counter({
    name: `${P}upstream_requests_total`,
    help: 'Requests to Zuora by endpoint class and HTTP status ("error": no response)',
    labelNames: ['endpoint', 'status'] as const,
    registers
  })
  const upstreamDuration = new Histogram({
    name: `${P}upstream_request_duration_seconds`,
    help: 'Duration of requests to Zuora by endpoint class',
    labelNames: ['endpoint'] as const,
    buckets: UPSTREAM_BUCKETS,
    registers
  })
  const retries = new Counter({
    name: `${P}upstream_retries_total`,
    help: 'Upstream retries by endpoint class and reason (status code, timeout, network)',
    labelNames: ['endpoint', 'reason'] as const,
    registers
  })
  const rateLimitWaits = new Counter({
    name: `${P}upstream_rate_limit_waits_total`,
    help: 'Times the upstream queue paused for a Zuora rate limit (429 Retry-After or ratelimit-remaining pacing)',
    registers
  })
  const rateLimitWaitSeconds = new Counter({
    name: `${P}upstream_rate_limit_wait_seconds_total`,
    help: 'Seconds the upstream queue spent paused for rate limits',
    registers
  })
  const tokenRefreshes = new Counter({
    name: `${P}upstream_token_refreshes_total`,
    help: 'OAuth token requests by outcome',
    labelNames: ['outcome'] as const,
    registers
  })
  const cache = new Counter({
    name: `${P}upstream_cache_requests_total`,
    help: 'Single-resource cache lookups by outcome (hit, miss, stale, inflight)',
    labelNames: ['outcome'] as const,
    registers
  })
  for (const outcome of ['ok', 'error']) tokenRefreshes.inc({ outcome }, 0)
  for (const outcome of ['hit', 'miss', 'stale', 'inflight']) cache.inc({ outcome }, 0)

  const syncDuration = new Histogram({
    name: `${P}sync_duration_seconds`,
    help: 'Duration of finished syncs by outcome',
    labelNames: ['outcome'] as const,
    buckets: SYNC_BUCKETS,
    registers
  })
  const syncPhase = new Histogram({
    name: `${P}sync_phase_duration_seconds`,
    help: 'Time finished syncs spent in each phase (token, first-pages, pages, done, building, persisting)',
    labelNames: ['phase'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
    registers
  })
  const syncs = new Counter({
    name: `${P}syncs_total`,
    help: 'Finished syncs by outcome (succeeded, failed, aborted) and trigger (startup, schedule, api)',
    labelNames: ['outcome', 'trigger'] as const,
    registers
  })
  const lastSuccess = new Gauge({
    name: `${P}sync_last_success_timestamp_seconds`,
    help: 'Unix time of the last successful sync in this process (0: none yet)',
    registers
  })
  for (const outcome of ['succeeded', 'failed', 'aborted']) syncs.inc({ outcome, trigger: 'startup' }, 0)

  new Gauge({
    name: `${P}sync_running`,
    help: '1 while a sync is running',
    registers,
    collect () { this.set(sources.syncRunning?.() === true ? 1 : 0) }
  })
  new Gauge({
    name: `${P}snapshot_age_seconds`,
    help: 'Age of the snapshot being served (NaN: none yet)',
    registers,
    collect () {
      const snap = sources.snapshot?.()
      this.set(snap === undefined ? Number.NaN : Math.max(0, (now() - Date.parse(snap.snapshotAt)) / 1000))
    }
  })
  new Gauge({
    name: `${P}snapshot_resources`,
    help: 'Resources in the snapshot being served, by type (user, role, group)',
    labelNames: ['type'] as const,
    registers,
    collect () {
      this.reset()
      const stats = sources.snapshot?.()?.stats
      if (stats === undefined) return
      for (const type of ['user', 'role', 'group'] as const) this.set({ type }, stats.resources[type])
    }
  })
  new Gauge({
    name: `${P}snapshot_grants`,
    help: 'Grants in the snapshot being served, by granting resource type (role, group)',
    labelNames: ['type'] as const,
    registers,
    collect () {
      this.reset()
      const stats = sources.snapshot?.()?.stats
      if (stats === undefined) return
      for (const type of ['role', 'group'] as const) this.set({ type }, stats.grantsByType[type])
    }
  })
  new Gauge({
    name: `${P}snapshot_entitlements`,
    help: 'Entitlements in the snapshot being served',
    registers,
    collect () { this.set(sources.snapshot?.()?.stats.entitlements ?? 0) }
  })

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
    tokenRefresh ({ outcome }) { tokenRefreshes.inc({ outcome }) },
    cache ({ outcome }) { cache.inc({ outcome }) }
  }

  function recordSync (job: SyncJob): void {
    if (job.status === 'running') return
    syncs.inc({ outcome: job.status, trigger: job.trigger })
    if (job.durationMs !== undefined) syncDuration.observe({ outcome: job.status }, job.durationMs / 1000)
    for (const [phase, ms] of Object.entries(job.phases ?? {})) syncPhase.observe({ phase }, ms / 1000)
    if (job.status === 'succeeded') lastSuccess.set(Date.parse(job.finishedAt ?? new Date(now()).toISOString()) / 1000)
  }

  return {
    registry,
    /** Handed to the Zuora connection: upstream requests, retries, 429 waits, token refreshes, cache outcomes. */
    upstream,
    /** Records a finished sync job. */
    recordSync,
    http,
    /** Where the snapshot and sync gauges read from. */
    watch (from: MetricsSources): void { sources = from }
  }
}

/** The route pattern (`/roles/:id/grants`), never the raw URL. */
export function routeLabel (request: FastifyRequest): string {
  return request.routeOptions.url ?? UNMATCHED_ROUTE
}

export default fp(async (app) => {
  const metrics = createServiceMetrics()
  app.decorate('metrics', metrics)
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    metrics.http.observe({ method: request.method, route: routeLabel(request), status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
  })
  app.addHook('onClose', async () => { metrics.registry.clear() })
}, { name: 'metrics' })

/** Sync outcomes and snapshot gauges: registered once the sync engine and the snapshots exist. */
export const syncMetrics = fp(async (app) => {
  app.metrics.watch({
    snapshot: () => app.snapshots.current(),
    syncRunning: () => app.syncEngine.running() !== undefined
  })
  const unsubscribe = app.syncEngine.subscribe((event, job) => { if (event === 'finished') app.metrics.recordSync(job) })
  app.addHook('onClose', async () => { unsubscribe() })
}, { name: 'sync-metrics', dependencies: ['metrics', 'snapshots', 'sync'] })
