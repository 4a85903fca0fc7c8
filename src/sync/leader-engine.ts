/**
 * The sync engine of a replica among several (PostgreSQL store): the local engine runs syncs only while this
 * replica leads; jobs are written to and read from the shared store, so every replica shows the same history;
 * publishes announced by the leader are loaded into this replica's holder. `POST /sync` on a follower hands the
 * leader a job id and returns that job; with no leader it throws SyncUnavailableError (503 + Retry-After).
 */
import { Snapshot } from './snapshot.ts'
import type { SnapshotHolder } from './snapshot-holder.ts'
import { HISTORY_SIZE, newJob } from './sync-engine.ts'
import type { SyncLogger } from './sync-engine.ts'
import { SyncUnavailableError } from './types.ts'
import type { SharedSnapshotStore, SyncEngine, SyncJob, SyncListener, SyncTrigger } from './types.ts'
import type { Coordinator } from './pg/pg-replica.ts'

export interface LeaderEngineDeps {
  /** The engine that runs syncs in this process (it has no schedule: this engine schedules, while leading). */
  readonly local: SyncEngine
  readonly coordinator: Coordinator
  readonly store: SharedSnapshotStore
  readonly holder: SnapshotHolder
  readonly logger: SyncLogger
  /** SnapshotMeta.source of this configuration: snapshots of another directory are not served. */
  readonly source: string
  /** Seconds between syncs (the leader syncs when the served snapshot is older); 0 = only when there is none. */
  readonly intervalSeconds: number
  /** false: never sync on its own, only on request (tests). */
  readonly startSync: boolean
}

export interface LeaderEngine extends SyncEngine {
  /** Starts coordinating (after the current snapshot was restored). */
  start(): Promise<void>
  /** Milliseconds between the newest published snapshot and the one served (0 when serving the newest). */
  lagMs(): number
  role(): 'leader' | 'follower'
  /** false while the database is unreachable (the held snapshots are still served). */
  storeHealthy(): boolean
}

/** Progress updates of a running job written to the store at most this often. */
const PROGRESS_WRITE_MS = 1000
/** After a failed sync the leader waits this long before the schedule tries again. */
const FAILED_RETRY_MS = 30_000
/** Polls of the newest snapshot and the jobs (a fallback for lost notifications). */
const POLL_MS = 5000
/** Seconds a client is told to wait while no replica leads. */
const RETRY_AFTER_SECONDS = 5

export function createLeaderEngine (deps: LeaderEngineDeps): LeaderEngine {
  const { local, coordinator, store, holder, logger } = deps
  let shared: readonly SyncJob[] = []
  let newest: { syncId: string, seenAt: number } | undefined
  let lastProgressWrite = 0
  let poll: NodeJS.Timeout | undefined
  let loading: Promise<void> = Promise.resolve()
  let closed = false

  const write = (job: SyncJob): void => {
    store.saveJob(job).catch((err: unknown) => { logger.warn({ err: String(err), syncJob: job.id }, 'could not write the sync job to PostgreSQL') })
  }
  const unsubscribe = local.subscribe((event, job) => {
    if (event === 'progress' && Date.now() - lastProgressWrite < PROGRESS_WRITE_MS) return
    lastProgressWrite = Date.now()
    write(job)
  })

  async function refreshJobs (): Promise<void> {
    try {
      shared = await store.recentJobs(HISTORY_SIZE)
    } catch (err) {
      logger.warn({ err: String(err) }, 'could not read the sync jobs from PostgreSQL; showing the last ones read')
    }
  }

  /** Loads `syncId` (or the newest) into the holder unless held. Sequential: publishes keep their order. */
  function follow (syncId: string | undefined): void {
    loading = loading.then(async () => {
      const id = syncId ?? await store.latestSyncId()
      if (id === undefined || closed) return
      if (newest === undefined || id > newest.syncId) newest = { syncId: id, seenAt: Date.now() }
      if (holder.get(id) !== undefined) return
      const persisted = await store.loadSnapshot(id)
      if (persisted === undefined) return
      if (persisted.meta.source !== deps.source) { logger.warn({ syncId: id }, 'ignoring a published snapshot of another Zuora tenant or OAuth client'); return }
      const snapshot = Snapshot.build(persisted)
      const current = holder.current()
      if (current === undefined || snapshot.syncId > current.syncId) holder.publish(snapshot)
      else holder.adopt(snapshot)
      logger.info({ syncId: id }, 'serving a snapshot another replica published')
    }).catch((err: unknown) => { logger.warn({ err: String(err), syncId }, 'could not load a published snapshot; still serving the one held') })
  }

  /** The leader's schedule: a sync when there is no snapshot or the served one is older than the interval. */
  function maybeSync (trigger: SyncTrigger): void {
    if (!deps.startSync || closed || !coordinator.isLeader() || local.running() !== undefined) return
    const last = local.lastFinished()
    if (last?.status === 'failed' && Date.now() - Date.parse(last.finishedAt ?? last.startedAt) < FAILED_RETRY_MS) return
    const current = holder.current()
    if (current === undefined) { local.trigger(trigger); return }
    if (deps.intervalSeconds > 0 && Date.now() - Date.parse(current.snapshotAt) >= deps.intervalSeconds * 1000) local.trigger(trigger)
  }

  function onLeadership (leader: boolean): void {
    if (!leader) return
    // Jobs left running by a previous leader will never finish: say so.
    const own = local.running()?.id
    store.abortOrphans(own !== undefined ? [own] : []).then(refreshJobs).catch(() => {})
    maybeSync('startup')
  }

  /** Runs a follower's request; when a sync already runs, its job is closed as joined to the running one. */
  function joinRequest (jobId: string): void {
    const job = local.trigger('api', jobId)
    if (job.id === jobId) return
    const requested = shared.find((j) => j.id === jobId) ?? { ...job, id: jobId, startedAt: new Date().toISOString() }
    if (requested.status !== 'running') return
    write({
      ...requested,
      status: 'aborted',
      finishedAt: new Date().toISOString(),
      error: { title: 'Joined a running sync', detail: `A sync was already running (${job.id}); this request joined it: follow that job.` }
    })
  }

  function merged (): SyncJob[] {
    const localJobs = local.jobs()
    const ids = new Set(localJobs.map((j) => j.id))
    return [...localJobs, ...shared.filter((j) => !ids.has(j.id))]
      .sort((a, b) => a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0)
      .slice(0, HISTORY_SIZE)
  }

  const engine: LeaderEngine = {
    async start () {
      await refreshJobs()
      await coordinator.start({
        leadership: onLeadership,
        published: follow,
        syncRequested: (jobId) => { if (!closed) joinRequest(jobId) },
        jobsChanged: () => { refreshJobs().catch(() => {}) }
      })
      const tickPoll = (): void => { follow(undefined); refreshJobs().catch(() => {}); maybeSync('schedule'); poll = setTimeout(tickPoll, POLL_MS).unref() }
      poll = setTimeout(tickPoll, POLL_MS).unref()
    },
    trigger (trigger: SyncTrigger, jobId?: string): SyncJob {
      if (closed) throw new Error('sync engine is closed')
      if (coordinator.isLeader()) return local.trigger(trigger, jobId)
      const running = engine.running()
      if (running !== undefined) return running
      if (!coordinator.healthy() || !coordinator.leaderSeen()) {
        throw new SyncUnavailableError('No replica leads the syncs right now (failover, or the database is unreachable); retry shortly.', RETRY_AFTER_SECONDS)
      }
      const job = newJob(trigger, Date.now(), jobId)
      shared = [job, ...shared]
      store.saveJob(job)
        .then(async () => { await coordinator.requestSync(job.id) })
        .catch((err: unknown) => { logger.warn({ err: String(err), syncJob: job.id }, 'could not hand the sync request to the leader') })
      return job
    },
    running: () => local.running() ?? (coordinator.isLeader() ? undefined : shared.find((j) => j.status === 'running')),
    job: (id) => local.job(id) ?? shared.find((j) => j.id === id),
    jobs: merged,
    lastFinished: () => merged().find((j) => j.status !== 'running'),
    whenIdle: async () => { await local.whenIdle() },
    subscribe: (listener: SyncListener) => local.subscribe(listener),
    role: () => coordinator.isLeader() ? 'leader' : 'follower',
    storeHealthy: () => coordinator.healthy(),
    lagMs () {
      const current = holder.current()
      if (newest === undefined || current === undefined || current.syncId >= newest.syncId) return 0
      return Date.now() - newest.seenAt
    },
    async close () {
      closed = true
      clearTimeout(poll)
      unsubscribe()
      await local.close()
      await coordinator.close()
      await loading
      await store.close()
    }
  }
  return engine
}
