/**
 * Turns whatever stopped a sync into the short, secret-free explanation kept on the job and logged.
 */
import { isZuoraError } from '../zuora/errors.ts'
import type { SyncJobError } from './types.ts'

export function describeSyncError (err: unknown, aborted: boolean): SyncJobError {
  if (aborted) {
    return { title: 'Sync aborted', detail: 'The sync was stopped before it finished (service shutdown); nothing was published.' }
  }
  if (isZuoraError(err)) {
    return {
      title: `Zuora ${err.kind} error`,
      detail: `${err.message} Nothing was published; the previous snapshot is still served.`,
      ...(err.upstreamStatus !== undefined ? { upstreamStatus: err.upstreamStatus } : {})
    }
  }
  if (err instanceof Error && err.name === 'SnapshotError') {
    return { title: 'Snapshot rejected', detail: `${err.message} Nothing was published; the previous snapshot is still served.` }
  }
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error'
  return { title: 'Sync failed', detail: `${detail}. Nothing was published; the previous snapshot is still served.` }
}
