/**
 * Turns whatever stopped a sync into the short, secret-free explanation kept on the job and logged.
 * "The previous snapshot is still served" only when there is one; every message ends its sentences.
 */
import { isZuoraError } from '#src/zuora/errors.ts'
import type { SyncJobError } from './types.ts'

/** `text` as a sentence: a full stop added unless it already ends with one (or ? !). */
export function sentence (text: string): string {
  const trimmed = text.trimEnd()
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`
}

/** `hasSnapshot`: a snapshot is being served (the failed sync leaves it in place). */
export function describeSyncError (err: unknown, aborted: boolean, hasSnapshot = true): SyncJobError {
  const kept = hasSnapshot ? 'Nothing was published; the previous snapshot is still served.' : 'Nothing was published; there is no snapshot to serve yet.'
  if (aborted) {
    return { title: 'Sync aborted', detail: `The sync was stopped before it finished (service shutdown); ${kept.charAt(0).toLowerCase()}${kept.slice(1)}` }
  }
  if (isZuoraError(err)) {
    return {
      title: `Zuora ${err.kind} error`,
      detail: `${sentence(err.message)} ${kept}`,
      upstreamStatus: err.upstreamStatus
    }
  }
  if (err instanceof Error && err.name === 'SnapshotError') {
    return { title: 'Snapshot rejected', detail: `${sentence(err.message)} ${kept}` }
  }
  const detail = err instanceof Error ? `${err.name}: ${err.message}` : 'unknown error'
  return { title: 'Sync failed', detail: `${sentence(detail)} ${kept}` }
}
