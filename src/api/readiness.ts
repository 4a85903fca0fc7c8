/**
 * The readiness verdict of GET /health/ready (and of the status page at /): is a snapshot held, and is it young
 * enough? `readiness` is pure; `readinessInput` reads what the process holds. Never calls Zuora.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyInstance } from 'fastify'
import type { Static } from '@sinclair/typebox'
import { SyncProgressSchema } from './sync.ts'
import type { SyncJob } from '#src/sync/types.ts'

export const ReadinessSchema = Type.Object({
  ready: Type.Boolean({ description: 'true: send traffic here' }),
  reason: Type.String({ description: 'Why the service is (not) ready' }),
  syncId: Type.Union([Type.String(), Type.Null()], { description: 'The snapshot being served' }),
  snapshotAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  ageSeconds: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()], { description: 'Age of the snapshot being served' }),
  maxAgeSeconds: Type.Integer({ minimum: 1, description: 'SYNC_MAX_AGE_SECONDS (derived from the interval when 0)' }),
  lastSync: Type.Union([Type.Object({
    id: Type.String(),
    status: Type.String({ enum: ['succeeded', 'failed', 'aborted'] }),
    trigger: Type.String(),
    finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
    durationMs: Type.Optional(Type.Integer({ minimum: 0 })),
    error: Type.Optional(Type.Object({ title: Type.String(), detail: Type.String() }))
  }), Type.Null()], { description: 'Outcome of the last finished sync of this process' }),
  runningSync: Type.Union([Type.Object({
    id: Type.String(),
    trigger: Type.String(),
    startedAt: Type.String({ format: 'date-time' }),
    progress: SyncProgressSchema
  }), Type.Null()], { description: 'The sync running now, with its progress' }),
  replica: Type.Optional(Type.Object({
    role: Type.String({ enum: ['leader', 'follower'], description: 'leader: this replica runs the syncs' }),
    store: Type.String({ enum: ['ok', 'degraded'], description: 'degraded: PostgreSQL is unreachable; the held snapshots are still served' }),
    lagSeconds: Type.Number({ minimum: 0, description: 'How long a newer published snapshot has waited to be served here (0: serving the newest)' })
  }, { description: 'Only with DATABASE_URL (several replicas): this replica among the others' }))
}, {
  description: 'Readiness: the snapshot being served and the sync state',
  examples: [{
    ready: true,
    reason: 'serving snapshot 2yQ8c1Xk3b9ZlV7mT0pR4sWqE1a (42 s old, limit 7500 s)',
    syncId: '2yQ8c1Xk3b9ZlV7mT0pR4sWqE1a',
    snapshotAt: '2026-09-01T12:00:04Z',
    ageSeconds: 42,
    maxAgeSeconds: 7500,
    lastSync: { id: 'job_2yQ8c1Xk3b9ZlV7mT0pR4sWqE1a', status: 'succeeded', trigger: 'startup', finishedAt: '2026-09-01T12:00:04.210Z', durationMs: 4210 },
    runningSync: null
  }]
})
export type Readiness = Static<typeof ReadinessSchema>

export interface ReadinessInput {
  readonly replica?: Readiness['replica']
  readonly snapshot: { readonly syncId: string, readonly snapshotAt: string } | undefined
  readonly running: SyncJob | undefined
  readonly last: SyncJob | undefined
  readonly maxAgeSeconds: number
  readonly now: number
}

/** What the process holds now: the current snapshot and the sync engine's running and last finished jobs. */
export function readinessInput (app: FastifyInstance, now: number): ReadinessInput {
  return {
    snapshot: app.snapshots.current(),
    running: app.syncEngine.running(),
    last: app.syncEngine.lastFinished(),
    maxAgeSeconds: app.config.sync.maxAgeSeconds,
    now,
    replica: app.replica !== undefined
      ? { role: app.replica.role(), store: app.replica.storeHealthy() ? 'ok' : 'degraded', lagSeconds: app.replica.lagMs() / 1000 }
      : undefined
  }
}

/** Pure: the readiness verdict and body from what the process holds. */
export function readiness (input: ReadinessInput): Readiness {
  const { snapshot, running, last, maxAgeSeconds, now, replica } = input
  const ageSeconds = snapshot !== undefined ? Math.max(0, Math.floor((now - Date.parse(snapshot.snapshotAt)) / 1000)) : null
  const base = {
    syncId: snapshot?.syncId ?? null,
    snapshotAt: snapshot?.snapshotAt ?? null,
    ageSeconds,
    maxAgeSeconds,
    // Only what a client may see of the job: no progress, no error internals beyond title and detail.
    lastSync: last === undefined
      ? null
      : {
          id: last.id,
          status: last.status,
          trigger: last.trigger,
          finishedAt: last.finishedAt,
          durationMs: last.durationMs,
          error: last.error && { title: last.error.title, detail: last.error.detail }
        },
    runningSync: running !== undefined ? { id: running.id, trigger: running.trigger, startedAt: running.startedAt, progress: running.progress } : null,
    replica
  }
  if (snapshot === undefined || ageSeconds === null) {
    const why = running !== undefined
      ? `no snapshot yet: the first sync (${running.id}) is in phase ${running.progress.phase}`
      : last?.status === 'failed'
        ? `no snapshot yet: the last sync failed (${last.error?.title ?? 'unknown error'})`
        : 'no snapshot yet'
    return { ready: false, reason: why, ...base }
  }
  if (ageSeconds > maxAgeSeconds) {
    const lastFailure = last !== undefined && last.status !== 'succeeded' ? `; the last sync ${last.status} (${last.error?.title ?? 'no detail'})` : ''
    return { ready: false, reason: `snapshot ${snapshot.syncId} is ${ageSeconds} s old, older than the ${maxAgeSeconds} s limit${lastFailure}`, ...base }
  }
  return { ready: true, reason: `serving snapshot ${snapshot.syncId} (${ageSeconds} s old, limit ${maxAgeSeconds} s)`, ...base }
}
