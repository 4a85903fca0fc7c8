/**
 * Snapshots and sync jobs in PostgreSQL, shared by every replica. A snapshot is stored in the file store's format
 * (src/sync/snapshot-file.ts, checksum trailer included), gzip-compressed, and verified when read. A save is one
 * transaction — insert, retention, NOTIFY — so other replicas see the whole snapshot or nothing, and hear of it
 * only once it is committed. The save is fenced: it commits only while this replica holds the leader lock.
 *
 * The schema is created on start-up by whichever replica gets there first: the DDL is idempotent and runs under a
 * transaction-level advisory lock, so replicas starting together wait for each other.
 */
import { Readable } from 'node:stream'
import { constants, createGunzip, gzip } from 'node:zlib'
import { promisify } from 'node:util'
import pg from 'pg'
import type { Pool, PoolClient } from 'pg'
import { decodeSnapshotStream, encodeSnapshotFile, loadNewest } from '#src/sync/snapshot-file.ts'
import { isSyncId } from '#src/sync/sync-id.ts'
import type { PersistedSnapshot, SharedSnapshotStore, SyncJob } from '#src/sync/types.ts'

const gzipAsync = promisify(gzip)

/** Advisory lock keys (two int4): the DDL lock and the leader lock of this service. */
export const LOCK_CLASS = 0x7a63_3166
const DDL_LOCK = 1
export const LEADER_LOCK = 2

/** Channels of NOTIFY. */
export const CHANNEL = { published: 'zuora_c1_published', syncRequested: 'zuora_c1_sync_requested', jobs: 'zuora_c1_jobs' } as const

const DDL = `
CREATE TABLE IF NOT EXISTS zuora_c1_snapshots (
  sync_id     text PRIMARY KEY,
  created_at  timestamptz NOT NULL DEFAULT now(),
  encoding    text NOT NULL,
  body        bytea NOT NULL
);
CREATE TABLE IF NOT EXISTS zuora_c1_jobs (
  id          text PRIMARY KEY,
  started_at  timestamptz NOT NULL,
  status      text NOT NULL,
  job         jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS zuora_c1_jobs_started ON zuora_c1_jobs (started_at DESC);
`

/** The backend holding this service's leader lock (no row: nobody leads). */
export const LEADER_LOCK_HOLDER = "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND objsubid = 2 AND granted"

/** Snapshots kept: as many as a replica holds in memory (current + 2 older), so every held page token resolves everywhere. */
export const KEEP_SNAPSHOTS = 3
const KEEP_JOBS = 50

/** Pool options from a URL: pg parses sslmode etc.; short connect timeout so a down database fails fast. */
export function poolConfig (url: string): pg.PoolConfig {
  return { connectionString: url, max: 4, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, keepAlive: true, application_name: 'zuora-c1-facade' }
}

async function inTransaction (pool: Pool, fn: (client: PoolClient) => Promise<void>): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await fn(client)
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}

/** `leaderPid`: backend pid of the connection holding the leader lock in this replica (undefined: not the leader). */
export async function createPgStore (pool: Pool, options: { leaderPid: () => number | undefined }): Promise<SharedSnapshotStore> {
  await inTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, DDL_LOCK])
    await client.query(DDL)
  })

  /** The snapshot under `syncId`, undefined when there is none, or why its row is rejected. */
  async function read (syncId: string): Promise<PersistedSnapshot | string | undefined> {
    const { rows } = await pool.query<{ encoding: string, body: Buffer }>('SELECT encoding, body FROM zuora_c1_snapshots WHERE sync_id = $1', [syncId])
    const row = rows[0]
    if (row === undefined) return undefined
    try {
      if (row.encoding !== 'ndjson-v2+gzip') throw new Error(`unknown encoding ${row.encoding}`)
      // Streamed: zlib inflates on the thread pool while the lines are parsed here.
      const snapshot = await decodeSnapshotStream(Readable.from([row.body]).pipe(createGunzip({ chunkSize: 1 << 20 })))
      if (snapshot.meta?.syncId !== syncId) throw new Error('the row does not hold the snapshot its id names')
      return snapshot
    } catch (err) {
      return (err as Error).message
    }
  }

  return {
    description: 'PostgreSQL',

    async load () {
      const { rows } = await pool.query<{ sync_id: string }>('SELECT sync_id FROM zuora_c1_snapshots ORDER BY sync_id DESC')
      return await loadNewest(rows.map((r) => r.sync_id), read, (syncId) => `zuora_c1_snapshots/${syncId}`)
    },

    async save (snapshot, lines) {
      const syncId = snapshot.meta.syncId
      if (!isSyncId(syncId)) throw new Error(`refusing to save a snapshot with the malformed sync id ${JSON.stringify(syncId)}`)
      // Level 1: a sixth of the raw size at a fraction of the default level's time.
      const body = await gzipAsync(encodeSnapshotFile(snapshot, lines), { level: constants.Z_BEST_SPEED })
      await inTransaction(pool, async (client) => {
        const pid = options.leaderPid()
        const { rows } = await client.query<{ pid: number }>(LEADER_LOCK_HOLDER, [LOCK_CLASS, LEADER_LOCK])
        if (pid === undefined || rows[0]?.pid !== pid) throw new Error('this replica is no longer the sync leader; the snapshot was not published')
        await client.query('INSERT INTO zuora_c1_snapshots (sync_id, encoding, body) VALUES ($1, $2, $3) ON CONFLICT (sync_id) DO NOTHING', [syncId, 'ndjson-v2+gzip', body])
        await client.query(`DELETE FROM zuora_c1_snapshots WHERE sync_id NOT IN (SELECT sync_id FROM zuora_c1_snapshots ORDER BY sync_id DESC LIMIT ${KEEP_SNAPSHOTS})`)
        await client.query('SELECT pg_notify($1, $2)', [CHANNEL.published, syncId])
      })
    },

    async loadSnapshot (syncId) {
      const r = await read(syncId)
      if (typeof r === 'string') throw new Error(r)
      return r
    },

    async latestSyncId () {
      const { rows } = await pool.query<{ sync_id: string }>('SELECT max(sync_id) AS sync_id FROM zuora_c1_snapshots')
      return rows[0]?.sync_id ?? undefined
    },

    async saveJob (job: SyncJob) {
      await pool.query(
        `INSERT INTO zuora_c1_jobs (id, started_at, status, job) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, job = EXCLUDED.job`,
        [job.id, job.startedAt, job.status, JSON.stringify(job)])
      if (job.status !== 'running') {
        await pool.query(`DELETE FROM zuora_c1_jobs WHERE id NOT IN (SELECT id FROM zuora_c1_jobs ORDER BY started_at DESC LIMIT ${KEEP_JOBS})`)
      }
      await pool.query('SELECT pg_notify($1, $2)', [CHANNEL.jobs, job.id])
    },

    async recentJobs (limit) {
      const { rows } = await pool.query<{ job: SyncJob }>('SELECT job FROM zuora_c1_jobs ORDER BY started_at DESC, id DESC LIMIT $1', [limit])
      return rows.map((r) => r.job)
    },

    async abortOrphans (keep) {
      const { rows } = await pool.query<{ job: SyncJob }>("SELECT job FROM zuora_c1_jobs WHERE status = 'running' AND NOT (id = ANY($1))", [keep])
      const at = new Date().toISOString()
      for (const { job } of rows) {
        await pool.query("UPDATE zuora_c1_jobs SET status = 'aborted', job = $2 WHERE id = $1", [job.id, JSON.stringify({
          ...job,
          status: 'aborted',
          finishedAt: at,
          error: { title: 'Sync leader lost', detail: 'The replica running this sync stopped or lost the leader lock before it finished; nothing of it was published.' }
        })])
      }
    },

    async close () { await pool.end() }
  }
}
