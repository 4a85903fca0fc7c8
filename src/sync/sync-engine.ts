/**
 * The sync engine: one sync at a time, progress while it runs, and a publish that is all or nothing.
 *
 * A run reads the whole directory (src/zuora), builds and validates a Snapshot (src/sync/snapshot*.ts),
 * persists it, and only then publishes it. Any failure on the way leaves the current snapshot in place:
 * C1 reads a full sync as the truth, so a partial snapshot must never be served.
 */
import type { ZuoraConnection } from '#src/zuora/connection.ts'
import type { ZuoraLogger } from '#src/zuora/logger.ts'
import type { DirectoryRead, ReadProgress } from '#src/zuora/types.ts'
import type { SnapshotStore, SyncEngine, SyncJob, SyncJobError, SyncListener, SyncPhaseTimes, SyncProgress, SyncTrigger } from './types.ts'
import { directorySteps } from './snapshot-build.ts'
import { Snapshot } from './snapshot.ts'
import { createEarlyLines } from './snapshot-file.ts'
import type { SnapshotHolder } from './snapshot-holder.ts'
import { newSyncId } from './sync-id.ts'
import { describeSyncError } from './sync-errors.ts'
import { runInTurns } from './turns.ts'

/** The pino subset the sync side logs through (debug optional: tests pass loggers without it). */
export type SyncLogger = Omit<ZuoraLogger, 'debug'> & Partial<Pick<ZuoraLogger, 'debug'>>

/** Timer functions (tests record the delays); default: unref'd Node timers. */
type Timers = { set(fn: () => void, ms: number): unknown, clear(handle: unknown): void }

export interface SyncEngineDeps {
  readonly zuora: Pick<ZuoraConnection, 'readDirectory' | 'tenant'>
  readonly holder: SnapshotHolder
  readonly store: SnapshotStore
  readonly logger: SyncLogger
  readonly connectorVersion: string
  /** SnapshotMeta.source of the snapshots this engine builds. */
  readonly source?: string
  /** Seconds between scheduled syncs; 0 = no schedule. */
  readonly intervalSeconds: number
  readonly now?: () => number
  readonly timers?: Timers
}

const EMPTY_READ: ReadProgress = {
  phase: 'token', pagesDone: 0, pagesTotal: null, usersRead: 0, groupsRead: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0
}

/** Finished jobs kept for GET /sync/jobs (the leader engine shows as many). */
export const HISTORY_SIZE = 50
/** Minimum milliseconds between two progress log lines. */
const PROGRESS_LOG_MS = 5000
/** A failed sync is retried after 30 s, 60 s, 120 s… (at most 15 minutes, never later than the interval). */
const FAILED_RETRY_FIRST_SECONDS = 30
const FAILED_RETRY_MAX_SECONDS = 900

/** A job that has just started (also what a follower hands the leader). */
export function newJob (trigger: SyncTrigger, startedMs: number, jobId = `job_${newSyncId(startedMs)}`): SyncJob {
  const progress = { ...EMPTY_READ, elapsedMs: 0, estimatedRemainingMs: null }
  return { id: jobId, status: 'running', trigger, startedAt: new Date(startedMs).toISOString(), progress }
}

interface RunningSync {
  job: SyncJob
  readonly controller: AbortController
  done: Promise<void>
}

export function createSyncEngine (deps: SyncEngineDeps): SyncEngine {
  const now = deps.now ?? Date.now
  const listeners = new Set<SyncListener>()
  const history: SyncJob[] = []
  let running: RunningSync | undefined
  const timers = deps.timers ?? {
    set: (fn, ms) => setTimeout(fn, ms).unref(),
    clear: (handle) => { clearTimeout(handle as NodeJS.Timeout | undefined) }
  }
  let timer: unknown
  let closed = false
  let lastProgressLog = 0

  function emit (event: Parameters<SyncListener>[0], job: SyncJob): void {
    for (const listener of listeners) {
      try { listener(event, job) } catch (err) { deps.logger.warn({ err }, 'sync listener failed') }
    }
  }

  function progressOf (read: ReadProgress, phase: SyncProgress['phase'], startedMs: number): SyncProgress {
    const elapsedMs = now() - startedMs
    const { pagesDone, pagesTotal } = read
    const estimatedRemainingMs = pagesTotal !== null && pagesDone > 0 && phase !== 'finished'
      ? Math.round(elapsedMs / pagesDone * Math.max(0, pagesTotal - pagesDone))
      : null
    return { ...read, phase, elapsedMs, estimatedRemainingMs }
  }

  async function execute (run: RunningSync, startedMs: number): Promise<void> {
    let read = EMPTY_READ
    // Milliseconds spent in each phase so far: entering a phase closes the one before it.
    let phase: SyncProgress['phase'] = 'token'
    let phaseSince = startedMs
    let phases: SyncPhaseTimes = {}
    const enter = (next: SyncProgress['phase']): SyncPhaseTimes => {
      if (next === phase) return phases
      const t = now()
      phases = { ...phases, [phase]: (phases[phase] ?? 0) + t - phaseSince }
      phase = next
      phaseSince = t
      return phases
    }
    const advance = (next: SyncProgress['phase']): void => {
      run.job = { ...run.job, progress: progressOf(read, next, startedMs), phases: enter(next) }
      emit('progress', run.job)
    }
    const setPhase = (next: SyncProgress['phase']): void => {
      advance(next)
      deps.logger.debug?.({ syncJob: run.job.id, phase: next }, 'sync phase')
    }
    const early = createEarlyLines()
    try {
      deps.logger.debug?.({ syncJob: run.job.id, phase: 'reading' }, 'sync phase')
      const result: DirectoryRead = await deps.zuora.readDirectory({
        signal: run.controller.signal,
        onItems: early.add,
        onProgress: (p) => {
          read = p
          advance(p.phase)
          const t = now()
          if (t - lastProgressLog < PROGRESS_LOG_MS) return
          lastProgressLog = t
          deps.logger.info({ syncJob: run.job.id, progress: run.job.progress }, 'sync progress')
        }
      })
      setPhase('building')
      // Built in short turns (src/sync/turns.ts): the service keeps answering while a large snapshot builds.
      const { directory, findings } = await runInTurns(directorySteps(result))
      const at = now()
      const snapshot = await runInTurns(Snapshot.steps({
        format: 'zuora-c1-snapshot',
        version: 1,
        meta: {
          syncId: newSyncId(at),
          snapshotAt: new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
          tenant: deps.zuora.tenant,
          connectorVersion: deps.connectorVersion,
          source: deps.source
        },
        directory,
        findings
      }))
      if (run.controller.signal.aborted) throw run.controller.signal.reason
      setPhase('persisting')
      // Persist before publishing: what is served survives a restart. The persist is never aborted half-way.
      await deps.store.save(snapshot.toPersisted(), early.lines)
      deps.holder.publish(snapshot)
      finish(run, startedMs, read, { status: 'succeeded', syncId: snapshot.syncId, phases: enter('finished') })
      deps.logger.info({ syncJob: run.job.id, syncId: snapshot.syncId, durationMs: run.job.durationMs, stats: snapshot.stats }, 'sync succeeded; snapshot published')
    } catch (err) {
      const aborted = run.controller.signal.aborted
      const current = deps.holder.current()
      const error: SyncJobError = describeSyncError(err, aborted, current !== undefined)
      finish(run, startedMs, read, { status: aborted ? 'aborted' : 'failed', error, phases: enter('finished') })
      const log = { syncJob: run.job.id, error, servingSyncId: current?.syncId ?? null }
      const kept = current !== undefined ? 'the current snapshot is still served' : 'no snapshot yet'
      if (aborted) deps.logger.warn(log, `sync aborted; ${kept}`)
      else deps.logger.error(log, `sync failed; ${kept}`)
    }
  }

  function finish (run: RunningSync, startedMs: number, read: ReadProgress, outcome: Pick<SyncJob, 'status' | 'syncId' | 'error' | 'phases'>): void {
    const finishedMs = now()
    run.job = {
      ...run.job,
      ...outcome,
      finishedAt: new Date(finishedMs).toISOString(),
      durationMs: finishedMs - startedMs,
      progress: progressOf(read, 'finished', startedMs)
    }
    history.unshift(run.job)
    history.length = Math.min(history.length, HISTORY_SIZE)
    emit('finished', run.job)
  }

  /** The next scheduled sync: after the interval, or sooner (with backoff) when the last one failed. */
  function schedule (): void {
    if (closed || deps.intervalSeconds <= 0) return
    timers.clear(timer)
    let failures = 0
    while (failures < history.length && history[failures].status === 'failed') failures++
    const delaySeconds = failures === 0
      ? deps.intervalSeconds
      : Math.min(deps.intervalSeconds, FAILED_RETRY_FIRST_SECONDS * 2 ** (failures - 1), FAILED_RETRY_MAX_SECONDS)
    timer = timers.set(() => { engine.trigger('schedule') }, delaySeconds * 1000)
  }

  const engine: SyncEngine = {
    trigger (trigger: SyncTrigger, jobId?: string): SyncJob {
      if (running !== undefined) return running.job
      if (closed) throw new Error('sync engine is closed')
      const startedMs = now()
      const job = newJob(trigger, startedMs, jobId)
      const run: RunningSync = { job, controller: new AbortController(), done: Promise.resolve() }
      running = run
      emit('started', job)
      deps.logger.info({ syncJob: job.id, trigger }, 'sync started')
      run.done = execute(run, startedMs).finally(() => {
        running = undefined
        schedule()
      })
      return job
    },
    running: () => running?.job,
    job: (id) => running?.job.id === id ? running.job : history.find(j => j.id === id),
    jobs: () => running !== undefined ? [running.job, ...history] : [...history],
    lastFinished: () => history[0],
    async whenIdle () {
      while (running !== undefined) await running.done
    },
    subscribe (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    },
    async close () {
      closed = true
      timers.clear(timer)
      running?.controller.abort(new Error('service is shutting down'))
      await engine.whenIdle()
      listeners.clear()
    }
  }
  return engine
}
