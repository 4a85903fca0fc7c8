/**
 * The leader process is SIGKILLed in the middle of a sync: PostgreSQL frees its lock when the dead connection goes,
 * another replica leads within 15 s, nothing of the killed sync is published, the orphaned job is marked aborted,
 * and a POST /sync after the takeover completes.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startPgServer } from './pg-server.ts'
import { replicas, role, waitFor } from './replicas-helper.ts'

t.test('SIGKILL of the leader during a sync', async t => {
  const server = await startPgServer()
  t.teardown(() => server.close())
  const url = await server.database('ha_kill')
  const r = await replicas(url, 3000)
  t.teardown(() => r.close())
  // A slow Zuora: the child's sync is still reading when it is killed.
  r.sim.control.set({ latencyMs: 300 })
  const state = { role: undefined as string | undefined, syncing: false }
  const child = fork(fileURLToPath(new URL('./replica-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, HA_SIM_URL: r.sim.url, HA_DATABASE_URL: url },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  t.teardown(() => { child.kill('SIGKILL') })
  child.on('message', (m) => { Object.assign(state, m) })
  await waitFor('the child to lead and sync', () => state.role === 'leader' && state.syncing, 20_000)
  const survivor = await r.start()
  t.equal(role(survivor.app), 'follower')
  t.equal(survivor.app.snapshots.current(), undefined, 'nothing published yet')
  const killedAt = Date.now()
  child.kill('SIGKILL')
  r.sim.control.set({ latencyMs: 0 })
  await waitFor('the survivor to lead', () => role(survivor.app) === 'leader', 15_000)
  t.ok(Date.now() - killedAt < 15_000, `failover in ${Date.now() - killedAt} ms`)
  const jobs = await waitFor('the orphaned job marked aborted', () => {
    const list = survivor.app.syncEngine.jobs()
    return list.some((j) => j.status === 'aborted') ? list : undefined
  })
  t.ok(jobs.some((j) => j.status === 'aborted' && j.error?.title === 'Sync leader lost'))
  // The survivor syncs on taking over (nothing published yet); a POST /sync joins or follows it and completes.
  await survivor.app.syncEngine.whenIdle()
  const res = await survivor.request('/sync', { method: 'POST' })
  t.equal(res.status, 202)
  await survivor.app.syncEngine.whenIdle()
  const job = await res.json() as { id: string }
  t.equal(survivor.app.syncEngine.job(job.id)?.status, 'succeeded')
  const published = await server.query<{ sync_id: string }>('SELECT sync_id FROM zuora_c1_snapshots', [], url)
  t.ok(published.every((p) => survivor.app.snapshots.get(p.sync_id) !== undefined), 'only the survivor\'s snapshots were published')
})
