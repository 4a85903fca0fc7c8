/**
 * Contracts of the sync side: what is persisted, the store interface, and sync jobs.
 */
import type { Directory, DirectoryFindings } from '#src/directory/types.ts'
import type { ReadProgress } from '#src/zuora/types.ts'

export interface SnapshotMeta {
  /** Sortable unique id (27 base62 chars, KSUID-like). */
  readonly syncId: string
  /** RFC 3339, UTC, second precision. */
  readonly snapshotAt: string
  readonly tenant: string
  readonly connectorVersion: string
  /**
   * Which Zuora directory this is: a digest of the SCIM base URL and the OAuth client id. A persisted snapshot
   * of another tenant or client (configuration changed, DATA_DIR kept) is never restored.
   */
  readonly source?: string
}

/** What the store keeps of a snapshot: enough to rebuild it exactly (the C1 shapes are derived). */
export interface PersistedSnapshot {
  readonly format: 'zuora-c1-snapshot'
  readonly version: 1
  readonly meta: SnapshotMeta
  readonly directory: Directory
  readonly findings: DirectoryFindings
}

/** A stored snapshot that was present but rejected (corrupt, truncated, wrong checksum), with the reason. */
export interface RejectedFile { readonly file: string, readonly reason: string }

export interface LoadedSnapshots {
  /** The newest snapshot that passed its integrity check. */
  readonly current?: PersistedSnapshot
  /** Reads the snapshot before `current` (absent when there is none to read): called once the service serves. */
  readonly loadPrevious?: () => Promise<{ readonly previous?: PersistedSnapshot, readonly rejected: readonly RejectedFile[] }>
  readonly rejected: readonly RejectedFile[]
}

export interface SnapshotStore {
  /** The current snapshot (the previous one on demand); also clears what an interrupted write left behind. */
  load(): Promise<LoadedSnapshots>
  /** Atomically makes `snapshot` current and the old current previous; `lines`: records already serialised, reused. */
  save(snapshot: PersistedSnapshot, lines?: ReadonlyMap<object, string>): Promise<void>
  readonly description: string
}

export type SyncTrigger = 'startup' | 'schedule' | 'api'

export interface SyncProgress extends Omit<ReadProgress, 'phase'> {
  readonly phase: ReadProgress['phase'] | 'building' | 'persisting' | 'finished'
  readonly elapsedMs: number
  /** Rough estimate from pages done / total; null until the total is known. */
  readonly estimatedRemainingMs: number | null
}

/** Milliseconds spent in each phase of a sync (a phase never entered is absent). */
export type SyncPhaseTimes = Partial<Record<SyncProgress['phase'], number>>

export interface SyncJobError {
  readonly title: string
  readonly detail: string
  /** Upstream HTTP status when the failure came from Zuora. */
  readonly upstreamStatus?: number
}

export interface SyncJob {
  readonly id: string
  readonly status: 'running' | 'succeeded' | 'failed' | 'aborted'
  readonly trigger: SyncTrigger
  readonly startedAt: string
  readonly finishedAt?: string
  readonly durationMs?: number
  readonly progress: SyncProgress
  readonly phases?: SyncPhaseTimes
  /** The snapshot published by this job (succeeded only). */
  readonly syncId?: string
  readonly error?: SyncJobError
}

/** One sync at a time; a trigger while one runs joins it. Owned by the `sync` plugin (app.syncEngine). */
export interface SyncEngine {
  /** Starts a sync, or returns the running one. `jobId`: the id another replica already handed out for it. */
  trigger(trigger: SyncTrigger, jobId?: string): SyncJob
  running(): SyncJob | undefined
  job(id: string): SyncJob | undefined
  /** Recent jobs, newest first (bounded). */
  jobs(): readonly SyncJob[]
  lastFinished(): SyncJob | undefined
  /** Resolves when no sync is running (for tests, demo and shutdown). */
  whenIdle(): Promise<void>
  /** Listens to job events (metrics, logs, the demo's progress bar); returns an unsubscribe function. */
  subscribe(listener: SyncListener): () => void
  /** Stops the schedule, aborts a running read, waits for an in-flight persist. */
  close(): Promise<void>
}

export type SyncEvent = 'started' | 'progress' | 'finished'
export type SyncListener = (event: SyncEvent, job: SyncJob) => void

/** A store several replicas share: snapshots by id, the newest id, and the jobs (the leader writes them). */
export interface SharedSnapshotStore extends SnapshotStore {
  loadSnapshot(syncId: string): Promise<PersistedSnapshot | undefined>
  latestSyncId(): Promise<string | undefined>
  saveJob(job: SyncJob): Promise<void>
  /** Newest first, at most `limit`. */
  recentJobs(limit: number): Promise<SyncJob[]>
  /** Marks jobs still 'running' but not in `keep` as aborted (their replica died). */
  abortOrphans(keep: readonly string[]): Promise<void>
  close(): Promise<void>
}

/** Thrown by SyncEngine.trigger when no replica can run a sync now (routes answer 503 with Retry-After). */
export class SyncUnavailableError extends Error {
  override name = 'SyncUnavailableError'
  readonly retryAfterSeconds: number
  constructor (message: string, retryAfterSeconds: number) {
    super(message)
    this.retryAfterSeconds = retryAfterSeconds
  }
}
