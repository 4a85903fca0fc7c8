/**
 * /health/live and /health/ready through app.inject: public, problem+json when not ready, never a call to Zuora.
 */
import t from 'tap'
import { readiness } from '#src/api/readiness.ts'
import type { SyncJob } from '#src/sync/types.ts'
import { snapshotOf, testDirectory, testSnapshot } from '../helper.ts'
import type { TestApp } from '../helper.ts'
import { injectStack, injectTestApp } from './inject.ts'

type Json = any

async function get (app: TestApp, path: string): Promise<{ status: number, type: string, body: Json, headers: Headers }> {
  const res = await app.request(path, { token: null })
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.json(), headers: res.headers }
}

t.test('GET /health/live answers ok without a token, even before any snapshot', async (t) => {
  const app = await injectTestApp({ startSync: false, t })
  const res = await get(app, '/health/live')
  t.equal(res.status, 200)
  t.match(res.type, /^application\/json/)
  t.same(res.body, { status: 'ok' })
})

t.test('GET /health/ready is 200 with a fresh snapshot, reports it, needs no token', async (t) => {
  const snapshot = testSnapshot({ users: 10, groups: 2 })
  const app = await injectTestApp({ snapshot, t })
  const res = await get(app, '/health/ready')
  t.equal(res.status, 200)
  t.equal(res.body.ready, true)
  t.equal(res.body.syncId, snapshot.syncId)
  t.equal(res.body.snapshotAt, snapshot.snapshotAt)
  t.type(res.body.ageSeconds, 'number')
  t.ok(res.body.maxAgeSeconds > 0)
  t.equal(res.body.runningSync, null)
})

t.test('GET /health/ready is 503 problem+json before the first snapshot', async (t) => {
  const app = await injectTestApp({ startSync: false, t })
  const res = await get(app, '/health/ready')
  t.equal(res.status, 503)
  t.match(res.type, /^application\/problem\+json/)
  t.match(res.body, { type: /\/problems\/not-ready$/, title: 'Not ready', status: 503, ready: false, syncId: null, ageSeconds: null })
  t.match(res.body.detail, /no snapshot yet/)
  t.ok(res.headers.get('retry-after'))
})

t.test('GET /health/ready is 503 when the snapshot is older than SYNC_MAX_AGE_SECONDS', async (t) => {
  const old = snapshotOf(testDirectory({ users: 5, groups: 1 }), Date.now() - 3600_000)
  const app = await injectTestApp({ snapshot: old, env: { SYNC_MAX_AGE_SECONDS: '600' }, t })
  const res = await get(app, '/health/ready')
  t.equal(res.status, 503)
  t.equal(res.body.ready, false)
  t.equal(res.body.syncId, old.syncId)
  t.ok(res.body.ageSeconds >= 3600)
  t.equal(res.body.maxAgeSeconds, 600)
  t.match(res.body.detail, /older than the 600 s limit/)
})

t.test('readiness reports the running sync and the last outcome, and never calls Zuora', async (t) => {
  const stack = await injectStack({ waitForSync: false, simulator: { latencyMs: 150, users: 300 }, t })
  const during = await get(stack, '/health/ready')
  t.equal(during.status, 503, 'no snapshot while the first sync runs')
  t.ok(during.body.runningSync, 'the running sync is reported')
  t.match(during.body.runningSync, { id: /^job_/, trigger: 'startup', progress: { phase: String } })

  await stack.app.syncEngine.whenIdle()
  const before = stack.sim.control.counters().totalRequests
  for (let i = 0; i < 5; i++) {
    const res = await get(stack, '/health/ready')
    t.equal(res.status, 200)
    t.match(res.body.lastSync, { status: 'succeeded', trigger: 'startup' })
  }
  await get(stack, '/health/live')
  t.equal(stack.sim.control.counters().totalRequests, before, 'no upstream request from health probes')
})

t.test('readiness (pure): outcomes', async (t) => {
  const now = Date.parse('2026-09-01T12:00:00Z')
  const failed: SyncJob = {
    id: 'job_x', status: 'failed', trigger: 'schedule', startedAt: '2026-09-01T11:00:00Z', finishedAt: '2026-09-01T11:00:05Z', durationMs: 5000,
    progress: { phase: 'finished', pagesDone: 1, pagesTotal: 3, usersRead: 100, groupsRead: 0, retries: 4, rateLimitWaits: 0, rateLimitWaitMs: 0, elapsedMs: 5000, estimatedRemainingMs: null },
    error: { title: 'Zuora unavailable', detail: '503 after 5 attempts', upstreamStatus: 503 }
  }
  const none = readiness({ snapshot: undefined, running: undefined, last: failed, maxAgeSeconds: 60, now })
  t.equal(none.ready, false)
  t.match(none.reason, /last sync failed \(Zuora unavailable\)/)
  t.same(none.lastSync?.error, { title: 'Zuora unavailable', detail: '503 after 5 attempts' })

  const stale = readiness({ snapshot: { syncId: 's1', snapshotAt: '2026-09-01T11:58:00Z' }, running: undefined, last: failed, maxAgeSeconds: 60, now })
  t.equal(stale.ready, false)
  t.equal(stale.ageSeconds, 120)
  t.match(stale.reason, /the last sync failed/)

  const fresh = readiness({ snapshot: { syncId: 's1', snapshotAt: '2026-09-01T11:59:30Z' }, running: undefined, last: failed, maxAgeSeconds: 60, now })
  t.equal(fresh.ready, true, 'a failed sync does not fail readiness while the snapshot is young enough')
  t.equal(fresh.ageSeconds, 30)
})
