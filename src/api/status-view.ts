/**
 * What the status page at / shows, gathered from what the process holds (the current snapshot, the sync engine's
 * jobs, the readiness verdict). Only fields /health/ready or /sync/jobs also expose, and aggregate counts.
 */
import type { FastifyInstance } from 'fastify'
import type { Snapshot } from '#src/sync/snapshot.ts'
import type { SyncJob } from '#src/sync/types.ts'
import { VERSION } from '#src/version.ts'
import { readiness, readinessInput } from './readiness.ts'
import type { StatusJob, StatusSnapshot, StatusView } from './status-page.ts'

export const STATUS_TITLE = 'Zuora → ConductorOne access façade'

export function statusView (app: FastifyInstance, now: number): StatusView {
  const current = app.snapshots.current()
  const state = readiness(readinessInput(app, now))
  return {
    title: STATUS_TITLE,
    version: VERSION,
    ready: state.ready,
    reason: state.reason,
    maxAgeSeconds: state.maxAgeSeconds,
    snapshot: current !== undefined ? snapshotCounts(current, state.ageSeconds ?? 0) : null,
    running: state.runningSync,
    jobs: app.syncEngine.jobs().filter((job) => job.status !== 'running').map(finishedJob)
  }
}

export function snapshotCounts (snapshot: Pick<Snapshot, 'syncId' | 'snapshotAt' | 'stats'>, ageSeconds: number): StatusSnapshot {
  const { stats } = snapshot
  return {
    syncId: snapshot.syncId,
    snapshotAt: snapshot.snapshotAt,
    ageSeconds,
    users: stats.resources.user,
    usersEnabled: stats.usersByStatus.enabled,
    roles: stats.resources.role,
    groups: stats.resources.group,
    grants: stats.grants,
    findings: { ...stats.findings }
  }
}

function finishedJob (job: SyncJob): StatusJob {
  return {
    id: job.id,
    status: job.status,
    trigger: job.trigger,
    startedAt: job.startedAt,
    durationMs: job.durationMs,
    error: job.error !== undefined ? { title: job.error.title } : undefined
  }
}
