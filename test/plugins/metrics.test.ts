/**
 * /metrics and the metrics plugin: counters move after a sync, route labels are patterns, METRICS_TOKEN guards it.
 */
import t from 'tap'
import { createServiceMetrics } from '#src/plugins/metrics.ts'
import { API_TOKEN } from '../helper.ts'
import type { TestStack } from '../helper.ts'
import { injectStack, injectTestApp } from '../routes/inject.ts'

/** The value of one sample (`name{labels}`); undefined when absent. Labels are matched as written by prom-client. */
function sample (text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (m === null || m[1] !== name) continue
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(x => [x[1], x[2]]))
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3])
  }
  return undefined
}

async function scrape (stack: TestStack, token?: string): Promise<string> {
  const res = await stack.request('/metrics', { token: token ?? null })
  if (res.status !== 200) throw new Error(`/metrics → ${res.status}`)
  return await res.text()
}

t.test('counters move after a sync', async (t) => {
  const stack = await injectStack({ simulator: { users: 120, groups: 4 }, t })
  const res = await stack.request('/metrics', { token: null })
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  const first = await res.text()

  t.equal(sample(first, 'zuora_c1_syncs_total', { outcome: 'succeeded', trigger: 'startup' }), 1)
  t.equal(sample(first, 'zuora_c1_sync_duration_seconds_count', { outcome: 'succeeded' }), 1)
  for (const phase of ['token', 'first-pages', 'pages', 'building', 'persisting']) t.equal(sample(first, 'zuora_c1_sync_phase_duration_seconds_count', { phase }), 1, `time in the ${phase} phase is recorded`)
  t.equal(sample(first, 'zuora_c1_upstream_requests_total', { endpoint: 'users', status: '200' }), 3, '120 users = 2 pages of 100 and the start-index probe')
  t.equal(sample(first, 'zuora_c1_upstream_requests_total', { endpoint: 'groups', status: '200' }), 2, 'one page of 4 groups and the start-index probe sent with it (unused: one page needs no detection)')
  t.equal(sample(first, 'zuora_c1_upstream_token_refreshes_total', { outcome: 'ok' }), 1)
  t.equal(sample(first, 'zuora_c1_snapshot_resources', { type: 'user' }), 120)
  t.equal(sample(first, 'zuora_c1_snapshot_resources', { type: 'group' }), 4)
  t.ok((sample(first, 'zuora_c1_snapshot_grants', { type: 'role' }) ?? 0) >= 120, 'every user holds at least one role')
  t.ok((sample(first, 'zuora_c1_snapshot_age_seconds') ?? -1) >= 0)
  t.equal(sample(first, 'zuora_c1_sync_running'), 0)
  t.ok(sample(first, 'zuora_c1_process_cpu_user_seconds_total') !== undefined, 'default process metrics in the same registry')

  const post = await stack.request('/sync', { method: 'POST' })
  t.equal(post.status, 202)
  await stack.app.syncEngine.whenIdle()
  const second = await scrape(stack)
  t.equal(sample(second, 'zuora_c1_syncs_total', { outcome: 'succeeded', trigger: 'api' }), 1)
  t.equal(sample(second, 'zuora_c1_upstream_requests_total', { endpoint: 'users', status: '200' }), 6, 'the probe again: detected on every sync')
  t.equal(sample(second, 'zuora_c1_sync_duration_seconds_count', { outcome: 'succeeded' }), 2)
})

t.test('rate-limit waits and retries are counted', async (t) => {
  const stack = await injectStack({ simulator: { users: 30, groups: 2 }, env: { ZUORA_USERS_PAGE_SIZE: '10' }, t })
  stack.sim.control.failPage({ resource: 'users', page: 2, kind: '503' })
  stack.sim.control.failPage({ resource: 'users', page: 3, kind: '429' })
  await stack.request('/sync', { method: 'POST' })
  await stack.app.syncEngine.whenIdle()
  const text = await scrape(stack)
  const retries = [...text.matchAll(/^zuora_c1_upstream_retries_total\{[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0)
  t.ok(retries > 0, `retries counted (${retries})`)
  t.ok((sample(text, 'zuora_c1_upstream_rate_limit_waits_total') ?? 0) > 0, 'rate-limit waits counted')
  t.ok((sample(text, 'zuora_c1_upstream_rate_limit_wait_seconds_total') ?? 0) > 0, 'seconds waited counted')
})

t.test('HTTP durations are labelled by route pattern, never the raw URL', async (t) => {
  const stack = await injectStack({ simulator: { users: 5, groups: 1 }, t })
  await stack.request('/sync/jobs/job_doesnotexist0000000000000000')
  await stack.request('/no/such/path')
  await stack.request('/health/live', { token: null })
  const text = await scrape(stack)
  t.ok(sample(text, 'zuora_c1_http_request_duration_seconds_count', { method: 'GET', route: '/health/live', status_code: '200' }))
  t.ok(sample(text, 'zuora_c1_http_request_duration_seconds_count', { method: 'GET', route: '/sync/jobs/:id' }))
  t.ok(sample(text, 'zuora_c1_http_request_duration_seconds_count', { route: '__unmatched', status_code: '404' }))
  t.notMatch(text, /doesnotexist|no\/such\/path/, 'no raw URL in any label')
})

t.test('METRICS_TOKEN guards /metrics (API tokens do not open it)', async (t) => {
  const metricsToken = 'metrics-token-0123456789abcdef'
  const stack = await injectStack({ simulator: { users: 5, groups: 1 }, env: { METRICS_TOKEN: metricsToken }, t })
  const none = await stack.request('/metrics', { token: null })
  t.equal(none.status, 401)
  t.match(none.headers.get('content-type'), /^application\/problem\+json/)
  t.match(none.headers.get('www-authenticate'), /^Bearer/)
  const api = await stack.request('/metrics', { token: API_TOKEN })
  t.equal(api.status, 401)
  const body = await api.text()
  t.notMatch(body, metricsToken)
  const ok = await stack.request('/metrics', { token: metricsToken })
  t.equal(ok.status, 200)
  t.match(await ok.text(), /zuora_c1_syncs_total/)
})

t.test('createServiceMetrics: separate registries, observers never share state', async (t) => {
  const a = createServiceMetrics()
  const b = createServiceMetrics()
  a.upstream.request?.({ endpoint: 'users', status: 200, durationMs: 12 })
  const ta = await a.registry.metrics()
  const tb = await b.registry.metrics()
  t.equal(sample(ta, 'zuora_c1_upstream_requests_total', { endpoint: 'users', status: '200' }), 1)
  t.equal(sample(tb, 'zuora_c1_upstream_requests_total', { endpoint: 'users', status: '200' }), undefined)
  t.equal(sample(ta, 'zuora_c1_upstream_cache_requests_total', { outcome: 'hit' }), 0, 'nothing looks up a cache any more; the name stays (a contract)')
})

t.test('no snapshot: age is NaN', async (t) => {
  const app = await injectTestApp({ startSync: false, t })
  t.ok(Number.isNaN(sample(await app.app.metrics.registry.metrics(), 'zuora_c1_snapshot_age_seconds')))
})
