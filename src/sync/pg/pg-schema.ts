/**
 * The PostgreSQL schema of the shared store, created on start-up by whichever replica gets there first: the DDL is
 * idempotent and runs under a transaction-level advisory lock, so replicas starting together wait for each other.
 */
import type { Pool } from 'pg'

/** Advisory lock keys (two int4): the DDL lock and the leader lock of this service. */
export const LOCK_CLASS = 0x7a63_3166
export const DDL_LOCK = 1
export const LEADER_LOCK = 2

/** Channels of NOTIFY. */
export const CHANNEL = {
  published: 'zuora_c1_published',
  syncRequested: 'zuora_c1_sync_requested',
  jobs: 'zuora_c1_jobs'
} as const

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

export async function ensureSchema (pool: Pool): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, DDL_LOCK])
    await client.query(DDL)
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {})
    throw err
  } finally {
    client.release()
  }
}
