/**
 * `app.syncEngine`: loads the last good snapshots from the store, runs the start-up sync and the schedule.
 * Routes never call Zuora; they read what this engine published into `app.snapshots`.
 */
import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import type { Config } from '#src/config.ts'
import type { FastifyInstance } from 'fastify'
import { createFileSnapshotStore } from '#src/sync/file-snapshot-store.ts'
import { Snapshot } from '#src/sync/snapshot.ts'
import { createSyncEngine } from '#src/sync/sync-engine.ts'
import type { PersistedSnapshot, RejectedFile, SnapshotStore, SyncEngine } from '#src/sync/types.ts'
import { createReplica } from '#src/sync/pg/pg-replica.ts'
import { createLeaderEngine } from '#src/sync/leader-engine.ts'
import type { LeaderEngine } from '#src/sync/leader-engine.ts'
import { VERSION } from '#src/version.ts'

declare module 'fastify' {
  interface FastifyInstance {
    syncEngine: SyncEngine
    /** Set with DATABASE_URL: this replica among several (role, store health, lag). */
    replica?: LeaderEngine
  }
}

export interface SyncPluginOptions {
  /** Default: files in DATA_DIR (or PostgreSQL with DATABASE_URL). */
  readonly store?: SnapshotStore
  /** false: no start-up sync and no schedule (tests publish snapshots themselves). Default true. */
  readonly startSync?: boolean
  readonly now?: () => number
}

/** SnapshotMeta.source for a configuration: which Zuora directory (SCIM base URL + OAuth client) a snapshot reads. */
export function snapshotSource (zuora: Pick<Config['zuora'], 'scimBaseUrl' | 'clientId'>): string {
  return createHash('sha256').update(`${zuora.scimBaseUrl}\n${zuora.clientId}`).digest('hex').slice(0, 32)
}

/**
 * Publishes the current persisted snapshot, so a restart serves the last good one at once, and returns a function
 * that reads the previous one and holds it behind the current (for page tokens and `since`) — called once the
 * service listens. When the current one cannot be restored the previous one is read and published before serving.
 * Snapshots of another directory (`source` differs: the tenant or the client changed) are skipped.
 */
async function restoreSnapshots (app: FastifyInstance, store: SnapshotStore, source: string): Promise<() => Promise<void>> {
  const logRejected = (rejected: readonly RejectedFile[]): void => {
    for (const { file, reason } of rejected) app.log.warn({ file, reason }, 'ignoring a persisted snapshot that failed its integrity check')
  }
  const restore = (persisted: PersistedSnapshot | undefined, label: string, hold: (s: Snapshot) => void): boolean => {
    if (persisted === undefined) return false
    if (persisted.meta.source !== source) {
      app.log.warn({ syncId: persisted.meta.syncId, label }, 'ignoring a persisted snapshot of another Zuora tenant or OAuth client (the configuration changed)')
      return false
    }
    try {
      hold(Snapshot.build(persisted))
      app.log.info({ syncId: persisted.meta.syncId, snapshotAt: persisted.meta.snapshotAt }, `restored the ${label} snapshot from ${store.description}`)
      return true
    } catch (err) {
      app.log.warn({ err, label }, 'ignoring a persisted snapshot that no longer validates')
      return false
    }
  }
  const loaded = await store.load()
  logRejected(loaded.rejected)
  const restorePrevious = async (): Promise<void> => {
    if (loaded.loadPrevious === undefined) return
    const { previous, rejected } = await loaded.loadPrevious()
    logRejected(rejected)
    restore(previous, 'previous', (s) => { app.snapshots.adopt(s) })
  }
  if (restore(loaded.current, 'current', (s) => { app.snapshots.publish(s) })) return restorePrevious
  await restorePrevious()
  return async () => {}
}

/** Several replicas (DATABASE_URL): the shared store, and an engine that syncs only while this replica leads. */
async function replicated (app: FastifyInstance, url: string, opts: SyncPluginOptions, engineOf: (store: SnapshotStore, intervalSeconds: number) => SyncEngine) {
  const { store, coordinator } = await createReplica(url, app.log.child({ module: 'replica' }))
  const engine = createLeaderEngine({
    // The local engine has no schedule of its own: the leader engine schedules, and only while leading.
    local: engineOf(store, 0),
    coordinator,
    store,
    holder: app.snapshots,
    logger: app.log.child({ module: 'sync' }),
    source: snapshotSource(app.config.zuora),
    intervalSeconds: app.config.sync.intervalSeconds,
    startSync: opts.startSync !== false
  })
  return { store, engine }
}

export default fp<SyncPluginOptions>(async (app, opts) => {
  const engineOf = (store: SnapshotStore, intervalSeconds: number): SyncEngine => createSyncEngine({
    zuora: app.zuora,
    holder: app.snapshots,
    store,
    logger: app.log.child({ module: 'sync' }),
    connectorVersion: VERSION,
    source: snapshotSource(app.config.zuora),
    intervalSeconds,
    now: opts.now
  })
  const url = app.config.sync.databaseUrl
  const replica = opts.store === undefined && url !== undefined ? await replicated(app, url.reveal(), opts, engineOf) : undefined
  const store = replica?.store ?? opts.store ?? createFileSnapshotStore(app.config.sync.dataDir, { logger: app.log.child({ module: 'snapshot-store' }) })
  const engine = replica?.engine ?? engineOf(store, app.config.sync.intervalSeconds)
  if (replica !== undefined) app.decorate('replica', replica.engine)
  app.decorate('syncEngine', engine)
  // The previous snapshot is read in the background once the current one is served (a restart serves at once).
  let previousRestored: Promise<void> = Promise.resolve()
  app.addHook('onReady', async () => {
    const restorePrevious = await restoreSnapshots(app, store, snapshotSource(app.config.zuora))
    previousRestored = new Promise<void>((resolve) => { setImmediate(resolve) })
      .then(restorePrevious)
      .catch((err: unknown) => { app.log.warn({ err }, 'could not restore the previous snapshot; only the current one is held') })
    if (replica !== undefined) await replica.engine.start()
    else if (opts.startSync !== false) engine.trigger('startup')
  })
  app.addHook('preClose', async () => {
    await previousRestored
    await engine.close()
  })
}, { name: 'sync', dependencies: ['zuora', 'snapshots'] })
