/**
 * PostgreSQL goes away and comes back: replicas keep serving what they hold, readiness and metrics say the store is
 * degraded, no sync is published (POST /sync fails or answers 503 with Retry-After), and everything recovers alone.
 */
import t from 'tap'
import { startPgServer } from './pg-server.ts'
import { replicas, role, waitFor } from './replicas-helper.ts'

t.test('database down and back', async t => {
  const server = await startPgServer()
  t.teardown(() => server.close())
  const r = await replicas(await server.database('ha_down'))
  t.teardown(() => r.close())
  const a = await r.start()
  const syncId = await waitFor('a snapshot', () => a.app.snapshots.current()?.syncId)
  const b = await r.start()
  t.equal(b.app.snapshots.current()?.syncId, syncId)
  const ready = await (await b.request('/health/ready')).json() as { replica?: { role: string, store: string } }
  t.same(ready.replica, { role: 'follower', store: 'ok', lagSeconds: 0 }, 'readiness shows the replica')

  await server.stop()
  await waitFor('both replicas to notice', () => [a, b].every((x) => x.app.replica?.storeHealthy() === false))
  for (const x of [a, b]) {
    const users = await x.request('/users?pageSize=5')
    t.equal(users.status, 200, 'still serving')
    const body = await (await x.request('/health/ready')).json() as { ready: boolean, replica?: { store: string } }
    t.equal(body.ready, true, 'still ready: the held snapshot is young')
    t.equal(body.replica?.store, 'degraded')
    t.match(await (await x.request('/metrics')).text(), /zuora_c1_replica_store_up 0/)
    t.equal(role(x.app), 'follower', 'nobody leads without the database')
  }
  const res = await a.request('/sync', { method: 'POST' })
  t.equal(res.status, 503, 'no leader: no job that would never run')
  t.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After')
  t.match(res.headers.get('content-type'), /application\/problem\+json/)

  await server.start()
  await waitFor('a leader again, seen by both', () => [a, b].some((x) => role(x.app) === 'leader') && [a, b].every((x) => x.app.replica?.storeHealthy() === true), 15_000)
  const leader = role(a.app) === 'leader' ? a : b
  const follower = leader === a ? b : a
  const post = await follower.request('/sync', { method: 'POST' })
  t.equal(post.status, 202)
  const job = await post.json() as { id: string }
  const newer = await waitFor('the new snapshot on the follower', () => {
    const id = follower.app.snapshots.current()?.syncId
    return id !== undefined && id !== syncId ? id : undefined
  })
  t.equal(leader.app.snapshots.current()?.syncId, newer)
  t.equal(leader.app.syncEngine.job(job.id)?.status, 'succeeded')
  t.equal(follower.app.replica?.storeHealthy(), true)
})
