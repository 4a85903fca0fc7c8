/**
 * The PostgreSQL snapshot store on a real server: the file format round-trips (gzip, checksum verified), a publish
 * is fenced by the leader lock, retention keeps three snapshots, a corrupt row is rejected, and jobs are bounded.
 */
import t from 'tap'
import pg from 'pg'
import { createPgCoordinator } from '#src/sync/pg/pg-replica.ts'
import { createPgStore, KEEP_SNAPSHOTS, poolConfig } from '#src/sync/pg/pg-store.ts'
import { newSyncId } from '#src/sync/sync-id.ts'
import { testSnapshot } from '../helper.ts'
import { startPgServer } from './pg-server.ts'
import { waitFor } from './replicas-helper.ts'

t.test('pg store', async t => {
  const server = await startPgServer()
  const url = await server.database('ha_store')
  const pool = new pg.Pool(poolConfig(url))
  const coordinator = createPgCoordinator({ url, retryMs: 200 })
  const store = await createPgStore(pool, { leaderPid: coordinator.leaderPid })
  // One teardown, in order: tap runs teardowns first-registered first, and a server stopped under the pool's idle
  // clients makes them emit errors.
  t.teardown(async () => { await coordinator.close(); await store.close(); await server.close() })
  const persisted = (i: number) => {
    const p = testSnapshot().toPersisted()
    return { ...p, meta: { ...p.meta, syncId: newSyncId(Date.now() + i * 1000) } }
  }

  t.same(await store.load(), { rejected: [] }, 'empty database: nothing to restore')
  await t.rejects(store.save(persisted(0)), /no longer the sync leader/, 'a replica that does not lead cannot publish')
  t.equal(await store.latestSyncId(), undefined)

  await coordinator.start({ leadership: () => {}, published: () => {}, syncRequested: () => {}, jobsChanged: () => {} })
  await waitFor('leadership', () => coordinator.isLeader())
  const saved = [1, 2, 3, 4].map(persisted)
  for (const s of saved) await store.save(s)
  const ids = saved.map((s) => s.meta.syncId)
  t.equal(await store.latestSyncId(), ids[3])
  const [{ n }] = await server.query<{ n: string }>('SELECT count(*) AS n FROM zuora_c1_snapshots', [], url) as [{ n: string }]
  t.equal(Number(n), KEEP_SNAPSHOTS, 'retention')
  const loaded = await store.load()
  t.same(loaded.current, saved[3], 'round trip')
  t.same((await loaded.loadPrevious?.())?.previous, saved[2])
  t.same(await store.loadSnapshot(ids[1] as string), saved[1])
  t.equal(await store.loadSnapshot(ids[0] as string), undefined, 'gone')

  await server.query("UPDATE zuora_c1_snapshots SET body = overlay(body placing '\\x00'::bytea from 40 for 1) WHERE sync_id = $1", [ids[3]], url)
  const afterCorruption = await store.load()
  t.equal(afterCorruption.current?.meta.syncId, ids[2], 'a corrupt row is skipped; the one before is served')
  t.match(afterCorruption.rejected[0]?.reason, /./)
  await t.rejects(store.loadSnapshot(ids[3] as string))

  for (let i = 0; i < 60; i++) {
    await store.saveJob({ id: `job_${i}`, status: 'succeeded', trigger: 'api', startedAt: new Date(Date.now() + i).toISOString(), progress: { phase: 'finished', pagesDone: 0, pagesTotal: 0, usersRead: 0, groupsRead: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0, elapsedMs: 0, estimatedRemainingMs: null } })
  }
  const jobs = await store.recentJobs(100)
  t.equal(jobs.length, 50, 'job history bounded')
  t.equal(jobs[0]?.id, 'job_59', 'newest first')
})
