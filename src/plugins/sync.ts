/**
 * `app.syncEngine`: loads the last good snapshots from the store, runs the start-up sync and the schedule.
 * Routes never call Zuora; they read what this engine published into `app.snapshots`.
 */
import { createHash } from 'node:crypto'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import type { FastifyInstance } from 'fastify'
import { createFileSnapshotStore } from '../sync/file-snapshot-store.ts'
import { Snapshot } from '../sync/snapshot.ts'
import { createSyncEngine } from '../sync/sync-engine.ts'
import type { PersistedSnapshot, SnapshotStore, SyncEngine } from '../sync/types.ts'
import { VERSION } from '../version.ts'

declare module 'fastify' {
  interface FastifyInstance {
    syncEngine: SyncEngine
    snapshotStore: SnapshotStore
  }
}

export interface SyncPluginOptions {
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
 * Publishes persisted snapshots (previous first), so a restart serves the last good one at once.
 * Snapshots of another directory (`source` differs: the tenant or the client changed) are skipped.
 */
export async function restoreSnapshots (app: FastifyInstance, store: SnapshotStore, source: string): Promise<void> {
  const loaded = await store.load()
  for (const { file, reason } of loaded.rejected) {
    app.log.warn({ file, reason }, 'ignoring a persisted snapshot that failed its integrity check')
  }
  const restore = (persisted: PersistedSnapshot | undefined, label: string): void => {
    if (persisted === undefined) return
    if (persisted.meta.source !== source) {
      app.log.warn({ syncId: persisted.meta.syncId, label }, 'ignoring a persisted snapshot of another Zuora tenant or OAuth client (the configuration changed)')
      return
    }
    try {
      app.snapshots.publish(Snapshot.build(persisted))
      app.log.info({ syncId: persisted.meta.syncId, snapshotAt: persisted.meta.snapshotAt }, `restored the ${label} snapshot from ${store.description}`)
    } catch (err) {
      app.log.warn({ err, label }, 'ignoring a persisted snapshot that no longer validates')
    }
  }
  restore(loaded.previous, 'previous')
  restore(loaded.current, 'current')
}

export function createEngine (app: FastifyInstance, store: SnapshotStore, opts: SyncPluginOptions): SyncEngine {
  return createSyncEngine({
    zuora: app.zuora,
    holder: app.snapshots,
    store,
    logger: app.log.child({ module: 'sync' }),
    connectorVersion: VERSION,
    source: snapshotSource(app.config.zuora),
    intervalSeconds: app.config.sync.intervalSeconds,
    ...(opts.now !== undefined ? { now: opts.now } : {})
  })
}

export default fp<SyncPluginOptions>(async (app, opts) => {
  const store = opts.store ?? createFileSnapshotStore(app.config.sync.dataDir, { logger: app.log.child({ module: 'snapshot-store' }) })
  const engine = createEngine(app, store, opts)
  app.decorate('snapshotStore', store)
  app.decorate('syncEngine', engine)
  app.addHook('onReady', async () => {
    await restoreSnapshots(app, store, snapshotSource(app.config.zuora))
    if (opts.startSync !== false) engine.trigger('startup')
  })
  app.addHook('preClose', async () => { await engine.close() })
}, { name: 'sync', dependencies: ['zuora', 'snapshots'] })
