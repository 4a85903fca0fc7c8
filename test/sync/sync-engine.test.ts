import t from 'tap'
import { createSyncEngine } from '#src/sync/sync-engine.ts'
import { createSnapshotHolder } from '#src/sync/snapshot-holder.ts'
import type { PersistedSnapshot, SnapshotStore, SyncEvent } from '#src/sync/types.ts'
import type { DirectoryRead, ReadOptions } from '#src/zuora/types.ts'
import type { DirectoryUser } from '#src/directory/types.ts'
import { ZuoraError } from '#src/zuora/errors.ts'

const silent = { info () {}, warn () {}, error () {} }

function user (id: string, roles: string[]): DirectoryUser {
  return { id, userName: `${id}@example.com`, emails: [{ value: `${id}@example.com`, primary: true }], active: true, status: 'ACTIVE', roles, groups: [] }
}

const READ: DirectoryRead = { users: [user('u1', ['ADMIN']), user('u2', ['USER'])], groups: [], requests: 2 }

function memoryStore (opts: { failSave?: boolean } = {}): SnapshotStore & { saved: PersistedSnapshot[], savedLines: Array<ReadonlyMap<object, string> | undefined> } {
  const saved: PersistedSnapshot[] = []
  const savedLines: Array<ReadonlyMap<object, string> | undefined> = []
  return {
    saved,
    description: 'memory',
    async load () { return { rejected: [] } },
    async save (s, lines) {
      if (opts.failSave === true) throw new Error('disk full')
      saved.push(s)
      savedLines.push(lines)
    },
    savedLines
  }
}

function fakeZuora (reads: Array<DirectoryRead | Error | 'hang'>) {
  let calls = 0
  return {
    tenant: 'rest.zuora.com',
    get calls () { return calls },
    async readDirectory (options?: ReadOptions): Promise<DirectoryRead> {
      const next = reads[Math.min(calls, reads.length - 1)]
      calls++
      options?.onProgress?.({ phase: 'pages', pagesDone: 1, pagesTotal: 2, usersRead: 1, groupsRead: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0 })
      if (next === 'hang') {
        return await new Promise((_resolve, reject) => {
          options?.signal?.addEventListener('abort', () => reject(new ZuoraError('aborted', { kind: 'aborted', endpoint: 'users' })))
        })
      }
      await new Promise(resolve => setImmediate(resolve))
      if (next instanceof Error) throw next
      options?.onItems?.(next.users)
      return next as DirectoryRead
    }
  }
}

function setup (reads: Array<DirectoryRead | Error | 'hang'>, storeOpts: { failSave?: boolean } = {}) {
  const zuora = fakeZuora(reads)
  const holder = createSnapshotHolder()
  const store = memoryStore(storeOpts)
  const events: SyncEvent[] = []
  const engine = createSyncEngine({ zuora, holder, store, logger: silent, connectorVersion: 'test', intervalSeconds: 0 })
  engine.subscribe((event) => { events.push(event) })
  return { zuora, holder, store, engine, events }
}

t.test('a successful sync persists, then publishes, and records the job', async t => {
  const { engine, holder, store, events } = setup([READ])
  const job = engine.trigger('api')
  t.equal(job.status, 'running')
  await engine.whenIdle()
  const done = engine.job(job.id)
  t.equal(done?.status, 'succeeded')
  t.equal(done?.progress.phase, 'finished')
  t.ok(done?.syncId)
  t.equal(holder.current()?.syncId, done?.syncId)
  t.equal(store.saved.length, 1)
  t.equal(store.saved[0]?.meta.syncId, done?.syncId)
  t.same(events.filter(e => e !== 'progress'), ['started', 'finished'])
  t.ok(events.includes('progress'))
  t.equal(engine.jobs().length, 1)
  t.equal(engine.lastFinished()?.id, job.id)
  // users serialised while the read went on are handed to the store for the persist
  t.same([...store.savedLines[0]?.entries() ?? []], READ.users.map(u => [u, JSON.stringify(u)]))
})

t.test('a large directory keeps no early-serialised lines (they would raise its peak memory)', async t => {
  const users = Array.from({ length: 9000 }, (_, i) => ({ ...user(`u${String(i).padStart(5, '0')}`, ['USER']), displayName: 'x'.repeat(2000) }))
  const { engine, store } = setup([{ users, groups: [], requests: 90 }])
  engine.trigger('api')
  await engine.whenIdle()
  t.equal(store.saved.length, 1)
  t.equal(store.savedLines[0]?.size, 0, 'dropped once they passed 16 M characters')
})

t.test('a second trigger joins the running sync (single-flight)', async t => {
  const { engine, zuora } = setup([READ])
  const a = engine.trigger('api')
  const b = engine.trigger('schedule')
  t.equal(b.id, a.id)
  await engine.whenIdle()
  t.equal(zuora.calls, 1)
})

t.test('a failed read publishes nothing and keeps the previous snapshot', async t => {
  const { engine, holder, store } = setup([READ, new ZuoraError('Users page 3 failed after 5 attempts (HTTP 503)', { kind: 'unavailable', endpoint: 'users', upstreamStatus: 503 })])
  engine.trigger('startup')
  await engine.whenIdle()
  const first = holder.current()?.syncId
  t.ok(first)
  const job = engine.trigger('api')
  await engine.whenIdle()
  const failed = engine.job(job.id)
  t.equal(failed?.status, 'failed')
  t.equal(failed?.error?.upstreamStatus, 503)
  t.match(failed?.error?.detail, /previous snapshot is still served/)
  t.equal(holder.current()?.syncId, first)
  t.equal(store.saved.length, 1)
})

t.test('an unsafe role value fails the sync with a message naming it', async t => {
  const bad: DirectoryRead = { ...READ, users: [user('u1', ['ADMIN:ROOT'])] }
  const { engine, holder } = setup([bad])
  const job = engine.trigger('api')
  await engine.whenIdle()
  t.equal(engine.job(job.id)?.status, 'failed')
  t.match(engine.job(job.id)?.error?.detail, /ADMIN:ROOT/)
  t.equal(holder.current(), undefined)
})

t.test('a snapshot that cannot be persisted is not published', async t => {
  const { engine, holder } = setup([READ], { failSave: true })
  const job = engine.trigger('api')
  await engine.whenIdle()
  t.equal(engine.job(job.id)?.status, 'failed')
  t.match(engine.job(job.id)?.error?.detail, /disk full/)
  t.equal(holder.current(), undefined)
})

t.test('close aborts a running read and marks the job aborted', async t => {
  const { engine, holder } = setup(['hang'])
  const job = engine.trigger('startup')
  await engine.close()
  t.equal(engine.job(job.id)?.status, 'aborted')
  t.equal(holder.current(), undefined)
  t.throws(() => engine.trigger('api'), /closed/)
})

t.test('the schedule triggers the next sync after the interval', async t => {
  const zuora = fakeZuora([READ])
  const engine = createSyncEngine({ zuora, holder: createSnapshotHolder(), store: memoryStore(), logger: silent, connectorVersion: 'test', intervalSeconds: 0.01 })
  t.teardown(() => engine.close())
  engine.trigger('startup')
  await engine.whenIdle()
  await new Promise(resolve => setTimeout(resolve, 50))
  await engine.whenIdle()
  t.ok(zuora.calls >= 2, 'scheduled sync ran')
  t.ok(engine.jobs().some(j => j.trigger === 'schedule'))
})

t.test('a failed sync is retried sooner, with backoff, never later than the interval', async t => {
  const err = new ZuoraError('Users page 1 failed (HTTP 503)', { kind: 'unavailable', endpoint: 'users', upstreamStatus: 503 })
  const zuora = fakeZuora([err, err, READ])
  const delays: number[] = []
  const pending: Array<() => void> = []
  const engine = createSyncEngine({
    zuora,
    holder: createSnapshotHolder(),
    store: memoryStore(),
    logger: silent,
    connectorVersion: 'test',
    intervalSeconds: 3600,
    timers: { set: (fn, ms) => { delays.push(ms); pending.push(fn); return fn }, clear: () => {} }
  })
  t.teardown(() => engine.close())
  engine.trigger('startup')
  await engine.whenIdle()
  pending.shift()?.()
  await engine.whenIdle()
  pending.shift()?.()
  await engine.whenIdle()
  t.same(delays, [30_000, 60_000, 3_600_000], '30 s, 60 s after failures, the interval after a success')
})

t.test('the job records the milliseconds spent in each phase', async t => {
  let clock = Date.parse('2026-09-01T12:00:00Z')
  const holder = createSnapshotHolder()
  const store = memoryStore()
  const zuora = {
    tenant: 'rest.zuora.com',
    async readDirectory (options?: ReadOptions): Promise<DirectoryRead> {
      const progress = { pagesDone: 0, pagesTotal: null, usersRead: 0, groupsRead: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0 }
      clock += 30
      options?.onProgress?.({ ...progress, phase: 'first-pages' })
      clock += 50
      options?.onProgress?.({ ...progress, phase: 'pages' })
      clock += 400
      options?.onProgress?.({ ...progress, phase: 'pages', pagesDone: 1 })
      options?.onProgress?.({ ...progress, phase: 'done' })
      return READ
    }
  }
  const saving = { ...store, async save (s: PersistedSnapshot) { clock += 70; await store.save(s) } }
  const engine = createSyncEngine({ zuora, holder, store: saving, logger: silent, connectorVersion: 'test', intervalSeconds: 0, now: () => clock })
  const running: Array<Record<string, number> | undefined> = []
  engine.subscribe((event, job) => { if (event === 'progress') running.push(job.phases) })
  const job = engine.trigger('api')
  await engine.whenIdle()
  const done = engine.job(job.id)
  t.same(done?.phases, { token: 30, 'first-pages': 50, pages: 400, done: 0, building: 0, persisting: 70 })
  t.equal(done?.durationMs, 550, 'the phases add up to the duration')
  t.same(running.at(-1), { token: 30, 'first-pages': 50, pages: 400, done: 0, building: 0 }, 'a running job shows the phases finished so far')
})

t.test('a failed sync records the phases it went through', async t => {
  const { engine } = setup([new ZuoraError('boom', { kind: 'upstream', endpoint: 'users' })])
  const job = engine.trigger('api')
  await engine.whenIdle()
  const phases = engine.job(job.id)?.phases ?? {}
  t.same(Object.keys(phases), ['token', 'pages'])
})
