/**
 * How routes get the snapshot they answer from: the current one (503 until the first sync published), or the
 * one a page token pinned (410 once it is no longer held).
 */
import type { FastifyInstance } from 'fastify'
import { HttpProblem } from './problem.ts'
import type { Snapshot } from '#src/sync/snapshot.ts'
import type { SyncJob } from '#src/sync/types.ts'

/** Seconds a client should wait before retrying while the first snapshot is being built. */
export const NOT_READY_RETRY_AFTER_SECONDS = 5
/** … and when no sync is running (the last one failed): come back later, or start one with POST /sync. */
export const NO_SYNC_RETRY_AFTER_SECONDS = 60

/** The current snapshot; HttpProblem 503 `snapshot-not-ready` (Retry-After, the sync's progress) when none exists yet. */
export function currentSnapshot (app: FastifyInstance): Snapshot {
  const snapshot = app.snapshots.current()
  if (snapshot !== undefined) return snapshot
  throw snapshotNotReady(app.syncEngine.running(), app.syncEngine.lastFinished())
}

/** The 503 `snapshot-not-ready` problem, from the running and the last finished sync (pure). */
export function snapshotNotReady (running: SyncJob | undefined, last: SyncJob | undefined): HttpProblem {
  const detail = running !== undefined
    ? `The first snapshot of the Zuora directory is being built (sync ${running.id}, phase ${running.progress.phase}); retry in a few seconds.`
    : last?.status === 'failed'
      ? `No snapshot of the Zuora directory exists yet: the last sync failed (${last.error?.title ?? 'unknown error'}); it is retried on schedule or with POST /sync.`
      : 'No snapshot of the Zuora directory exists yet; start one with POST /sync or wait for the scheduled sync.'
  return new HttpProblem(503, 'Snapshot not ready', detail, {
    type: 'snapshot-not-ready',
    headers: { 'retry-after': String(running !== undefined ? NOT_READY_RETRY_AFTER_SECONDS : NO_SYNC_RETRY_AFTER_SECONDS) },
    extra: { sync: jobSummary(running ?? last) }
  })
}

/** The snapshot a page token names; HttpProblem 410 `snapshot-expired` when it is no longer held. */
export function heldSnapshot (app: FastifyInstance, syncId: string): Snapshot {
  const snapshot = app.snapshots.get(syncId)
  if (snapshot !== undefined) return snapshot
  throw snapshotExpired(syncId, app.snapshots.current()?.syncId)
}

/** The 410 `snapshot-expired` problem of a page token whose snapshot is no longer held (pure). */
export function snapshotExpired (syncId: string, currentSyncId: string | undefined): HttpProblem {
  return new HttpProblem(410, 'Snapshot expired',
    `The pageToken belongs to snapshot ${syncId}, which is no longer held (newer syncs replaced it). ` +
    'Restart the walk without pageToken; every page of the new walk comes from the current snapshot.',
    { type: 'snapshot-expired', extra: { syncId, currentSyncId } })
}

/** What a client may see of a job (no error internals beyond title/detail). */
function jobSummary (job: SyncJob | undefined): Record<string, unknown> | null {
  if (job === undefined) return null
  return {
    id: job.id,
    status: job.status,
    startedAt: job.startedAt,
    progress: job.progress,
    error: job.error !== undefined ? { title: job.error.title, detail: job.error.detail } : undefined
  }
}
