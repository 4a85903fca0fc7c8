/**
 * One replica's connections to PostgreSQL: a small pool for the store, and the coordinator's own connection
 * (leader lock + LISTEN). The store's publishes are fenced by the coordinator's lock.
 */
import pg from 'pg'
import { createPgCoordinator } from './pg-coordinator.ts'
import type { PgCoordinator, PgCoordinatorOptions } from './pg-coordinator.ts'
import { createPgStore, poolConfig } from './pg-store.ts'
import type { SharedSnapshotStore } from '#src/sync/types.ts'

export async function createReplica (url: string, logger: NonNullable<PgCoordinatorOptions['logger']>, options: { retryMs?: number } = {}): Promise<{ store: SharedSnapshotStore, coordinator: PgCoordinator }> {
  const pool = new pg.Pool(poolConfig(url))
  // An idle client's error (database restarted) must not crash the process; the next query reconnects.
  pool.on('error', (err) => { logger.warn({ err: String(err) }, 'a pooled PostgreSQL connection failed') })
  const coordinator = createPgCoordinator({ url, logger, retryMs: options.retryMs })
  try {
    const store = await createPgStore(pool, { leaderPid: coordinator.leaderPid })
    return { store, coordinator }
  } catch (err) {
    await pool.end().catch(() => {})
    throw err
  }
}
