/**
 * The /sync surface: schemas of sync jobs, of a snapshot page (c1-model.md §7.2) and of the `since` diff, and the
 * answers of GET /sync and POST /sync (pages, the NDJSON stream, the diff, the body rules).
 */
import { Readable } from 'node:stream'
import { Type } from '@sinclair/typebox'
import type { Static } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { EntitlementSchema, GrantSchema, ResourceIdSchema, ResourceSchema, ResourceTypeSchema, ref } from '#src/c1/model.ts'
import { diffSnapshots } from '#src/sync/snapshot-diff.ts'
import type { SnapshotDiff } from '#src/sync/snapshot-diff.ts'
import type { Snapshot } from '#src/sync/snapshot.ts'
import { ndjsonLines, sliceSections, SYNC_SCHEMA, syncHeader } from '#src/sync/sync-document.ts'
import { isSyncId } from '#src/sync/sync-id.ts'
import type { SyncUnavailableError } from '#src/sync/types.ts'
import { EX_JOB_ID, EX_SYNC_ID } from './examples.ts'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_PAGE_TOKEN_LENGTH } from './list-query.ts'
import { currentSnapshot, invalidPageToken, nextPageToken } from './paging.ts'
import { HttpProblem, parameterProblem } from './problem.ts'

const EX_USER_ID = 'eb48a32d-2fe6-48d1-8a18-797919f3810a'
const EX_GRANT = {
  id: `role:ADMIN:assigned:user:${EX_USER_ID}`,
  entitlement: { id: 'role:ADMIN:assigned', resource: { id: { resourceType: 'role', resource: 'ADMIN' } } },
  principal: { id: { resourceType: 'user', resource: EX_USER_ID } }
}

const Count = Type.Integer({ minimum: 0 })
const NullableCount = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])

const PHASES = ['token', 'first-pages', 'pages', 'done', 'building', 'persisting'] as const

export const SyncProgressSchema = Type.Object({
  phase: Type.String({
    enum: [...PHASES, 'finished'],
    description: 'token → first-pages → pages → done (reading Zuora) → building → persisting → finished'
  }),
  pagesDone: Count,
  pagesTotal: { ...NullableCount, description: 'Known once the first page of users and of groups has come back' },
  usersRead: Count,
  groupsRead: Count,
  retries: { ...Count, description: 'Upstream retries so far (429, 5xx, resets, timeouts)' },
  rateLimitWaits: { ...Count, description: 'Times the request queue paused for a Zuora rate limit' },
  rateLimitWaitMs: Count,
  elapsedMs: Count,
  estimatedRemainingMs: { ...NullableCount, description: 'Rough estimate from pages done / total; null until the total is known' }
}, { description: 'Where a sync stands' })

const EX_JOB = {
  id: EX_JOB_ID,
  status: 'succeeded',
  trigger: 'api',
  startedAt: '2026-09-01T12:00:00.000Z',
  finishedAt: '2026-09-01T12:00:04.210Z',
  durationMs: 4210,
  progress: { phase: 'finished', pagesDone: 12, pagesTotal: 12, usersRead: 1000, groupsRead: 40, retries: 1, rateLimitWaits: 0, rateLimitWaitMs: 0, elapsedMs: 4210, estimatedRemainingMs: null },
  phases: { token: 105, 'first-pages': 160, pages: 3520, done: 0, building: 240, persisting: 185 },
  syncId: EX_SYNC_ID
}

export const SyncJobSchema = Type.Object({
  id: Type.String({ pattern: '^job_[0-9A-Za-z]{27}$', description: 'Job id (job_ + a KSUID); poll GET /sync/jobs/{id}' }),
  status: Type.String({ enum: ['running', 'succeeded', 'failed', 'aborted'] }),
  trigger: Type.String({ enum: ['startup', 'schedule', 'api'], description: 'What started the sync' }),
  startedAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
  durationMs: Type.Optional(Count),
  progress: SyncProgressSchema,
  phases: Type.Optional(Type.Object(
    Object.fromEntries(PHASES.map((phase) => [phase, Type.Optional(Count)])),
    { description: 'Milliseconds spent in each phase so far (a phase not entered is absent): where the time of a sync goes' })),
  syncId: Type.Optional(Type.String({ description: 'The snapshot this job published (succeeded jobs only)' })),
  error: Type.Optional(Type.Object({
    title: Type.String(),
    detail: Type.String(),
    upstreamStatus: Type.Optional(Type.Integer({ description: 'Zuora HTTP status when the failure came from Zuora' }))
  }, { description: 'Why the job failed; the previous snapshot stays current' }))
}, {
  $id: 'SyncJob',
  description: 'A sync: reads the whole Zuora directory and publishes a snapshot only when it is complete and consistent (never partial).',
  examples: [EX_JOB]
})

export const SyncJobListSchema = Type.Object({
  list: Type.Array(ref(SyncJobSchema), { description: 'Recent jobs, newest first (the running one, if any, comes first)' })
}, { description: 'Recent sync jobs', examples: [{ list: [EX_JOB] }] })

const StatsSchema = Type.Object({
  resourceTypes: Count,
  resources: Type.Object({ user: Count, role: Count, group: Count }),
  entitlements: Count,
  grants: Count,
  grantsByType: Type.Object({ role: Count, group: Count }),
  usersByStatus: Type.Object({ enabled: Count, disabled: Count }),
  findings: Type.Object({
    membershipOnlyInGroup: { ...Count, description: 'Memberships listed by the group but not in the user\'s groups[]' },
    membershipOnlyInUser: { ...Count, description: 'Memberships in a user\'s groups[] that the group does not list (no grant emitted)' },
    unknownMembers: { ...Count, description: 'Group members not in the directory read: users, or nested groups (no grant emitted)' },
    unknownGroups: { ...Count, description: 'groups[] entries naming no group of the directory' }
  }, { description: 'Disagreements noticed while reading Zuora, reported rather than dropped' })
}, { description: 'Counts of the whole snapshot (not of this page)' })

const IntegritySchema = Type.Object({
  danglingGrantEntitlements: { ...Count, description: 'Grants whose entitlement is not listed (always 0: such a snapshot is never published)' },
  danglingGrantPrincipals: { ...Count, description: 'Grants whose principal is not listed (always 0)' }
}, { description: 'Referential integrity (baton-sdk invariants I7–I9)' })

export const SyncPageSchema = Type.Object({
  schema: Type.String({ const: SYNC_SCHEMA }),
  syncId: Type.String({ description: 'Sortable unique id of the snapshot (KSUID); every page of a walk has the same one' }),
  snapshotAt: Type.String({ format: 'date-time', description: 'When the snapshot was taken (RFC 3339, UTC)' }),
  syncType: Type.String({ const: 'full', description: 'Always a full sync: whatever is absent has been removed' }),
  app: Type.Object({
    displayName: Type.String(),
    tenant: Type.String({ description: 'Host of the Zuora tenant' }),
    connectorVersion: Type.String()
  }),
  resourceTypes: Type.Array(ref(ResourceTypeSchema)),
  resources: Type.Array(ref(ResourceSchema)),
  entitlements: Type.Array(ref(EntitlementSchema)),
  grants: Type.Array(ref(GrantSchema)),
  stats: StatsSchema,
  integrity: IntegritySchema,
  nextPageToken: Type.String({ description: 'Opaque token of the next page; "" when this is the last page' })
}, {
  $id: 'SyncPage',
  description: 'One page of the point-in-time snapshot in c1.connector.v2 protojson. Pages cut one sequence ' +
    '(resource types → resources → entitlements → grants); concatenating the four arrays over all pages gives the whole snapshot.',
  examples: [{
    schema: SYNC_SCHEMA,
    syncId: EX_SYNC_ID,
    snapshotAt: '2026-09-01T12:00:00Z',
    syncType: 'full',
    app: { displayName: 'Zuora', tenant: 'rest.zuora.com', connectorVersion: '0.1.0' },
    resourceTypes: [{ id: 'role', displayName: 'Role', traits: ['TRAIT_ROLE'] }],
    resources: [],
    entitlements: [],
    grants: [EX_GRANT],
    stats: {
      resourceTypes: 3,
      resources: { user: 1, role: 2, group: 0 },
      entitlements: 2,
      grants: 1,
      grantsByType: { role: 1, group: 0 },
      usersByStatus: { enabled: 1, disabled: 0 },
      findings: { membershipOnlyInGroup: 0, membershipOnlyInUser: 0, unknownMembers: 0, unknownGroups: 0 }
    },
    integrity: { danglingGrantEntitlements: 0, danglingGrantPrincipals: 0 },
    nextPageToken: ''
  }]
})

export const SyncDiffSchema = Type.Object({
  fromSyncId: Type.String({ description: 'The `since` snapshot' }),
  toSyncId: Type.String({ description: 'The current snapshot; use it as the next `since`' }),
  upserts: Type.Object({
    resources: Type.Array(ref(ResourceSchema)),
    entitlements: Type.Array(ref(EntitlementSchema)),
    grants: Type.Array(ref(GrantSchema))
  }, { description: 'Objects that are new or changed in any field, in full (as in the current snapshot)' }),
  deletions: Type.Object({
    resources: Type.Array(ref(ResourceIdSchema)),
    entitlements: Type.Array(Type.Object({ id: Type.String() })),
    grants: Type.Array(Type.Object({ id: Type.String() }))
  }, { description: 'Ids present in the `since` snapshot and gone from the current one' })
}, {
  $id: 'SyncDiff',
  description: 'What changed between two snapshots (baton partial_upserts / partial_deletions). Order follows the snapshot.',
  examples: [{
    fromSyncId: '2yQ8bzZ2x9QkNn4Yk0cS3tVwA7d',
    toSyncId: EX_SYNC_ID,
    upserts: { resources: [], entitlements: [], grants: [EX_GRANT] },
    deletions: {
      resources: [{ resourceType: 'user', resource: '0d6f0c52-81a4-4c0e-b2a4-4bd1f8f0e9a1' }],
      entitlements: [],
      grants: [{ id: 'role:USER:assigned:user:0d6f0c52-81a4-4c0e-b2a4-4bd1f8f0e9a1' }]
    }
  }]
})

/** Named OpenAPI components: registered with addSchema, after C1_SCHEMAS. */
export const SYNC_SCHEMAS = [SyncJobSchema, SyncPageSchema, SyncDiffSchema] as const

export const SyncQuerySchema = Type.Object({
  pageSize: Type.Optional(Type.Integer({
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    description: `Objects per page, counted across sections, 1–${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}). May change from page to page of one walk.`
  })),
  pageToken: Type.Optional(Type.String({
    minLength: 1,
    maxLength: MAX_PAGE_TOKEN_LENGTH,
    description: 'The nextPageToken of the previous page; omit it for the first page. Pins the walk to the snapshot of its first page; ' +
      '410 once that snapshot is no longer held (restart without it).'
  })),
  since: Type.Optional(Type.String({
    maxLength: 64,
    description: 'A syncId (27 base62 characters) this client has fully read: answers with the diff from that snapshot ' +
      'to the current one instead of a page. 410 when that snapshot is no longer held: do a full read.'
  }))
})
export type SyncQuery = Static<typeof SyncQuerySchema>

export const SyncJobParamsSchema = Type.Object({
  id: Type.String({ pattern: '^job_[0-9A-Za-z]{27}$', description: 'Job id from POST /sync or GET /sync/jobs' })
})

export const NDJSON = 'application/x-ndjson'
/** The page-token scope of GET /sync. */
export const SYNC_SCOPE = 'sync'

/** One page of the global sequence (resource types → resources → entitlements → grants). */
export function page (snapshot: Snapshot, offset: number, pageSize: number) {
  const { sections, end, total } = sliceSections(snapshot, offset, pageSize)
  if (offset > total) throw invalidPageToken('The pageToken points past the end of its snapshot.')
  const { stats, integrity, ...header } = syncHeader(snapshot)
  return { ...header, ...sections, stats, integrity, nextPageToken: nextPageToken(snapshot.syncId, SYNC_SCOPE, end, total) }
}

/**
 * The page and the diff are built by our own pure mapping (shapes pinned by the schemas and their tests), so they are
 * serialised with JSON.stringify: the response schema is a union (page | diff), which fast-json-stringify would
 * resolve by validating every response against both branches first.
 */
export function sendJson (reply: FastifyReply, body: object): FastifyReply {
  return reply.type('application/json; charset=utf-8').serializer(JSON.stringify).send(body)
}

/** The whole snapshot, one JSON object per line, produced lazily as the client reads (constant memory per line). */
export function sendNdjson (reply: FastifyReply, snapshot: Snapshot): FastifyReply {
  return reply.type(`${NDJSON}; charset=utf-8`).header('x-sync-id', snapshot.syncId).send(Readable.from(ndjsonLines(snapshot)))
}

/** Diffs of (since, current) are computed once per pair: clients poll with the same `since`. */
const diffs = new WeakMap<Snapshot, Map<string, SnapshotDiff>>()

export function diffSince (app: FastifyInstance, since: string): SnapshotDiff {
  if (!isSyncId(since)) throw badQuery('since', `since must be a syncId (27 base62 characters, as in a page's syncId), not ${JSON.stringify(String(since).slice(0, 40))}.`)
  const current = currentSnapshot(app)
  const perTarget = diffs.get(current) ?? new Map<string, SnapshotDiff>()
  diffs.set(current, perTarget)
  const cached = perTarget.get(since)
  if (cached !== undefined) return cached
  const from = app.snapshots.get(since)
  if (from === undefined) {
    throw new HttpProblem(410, 'Snapshot expired',
      `Snapshot ${since} is not held any more (or never existed), so no diff can be computed. Do a full read: GET /sync without since, ` +
      'then use its syncId as the next since.',
      { type: 'snapshot-expired', extra: { since, currentSyncId: current.syncId } })
  }
  const diff = diffSnapshots(from, current)
  perTarget.set(since, diff)
  return diff
}

/** True when the client asks for NDJSON (and did not rank JSON above it). */
export function wantsNdjson (request: FastifyRequest): boolean {
  const accept = request.headers.accept
  if (accept === undefined) return false
  let ndjson = -1
  let json = -1
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.trim().toLowerCase().split(';')
    const q = Number(params.map((p) => p.trim()).find((p) => p.startsWith('q='))?.slice(2) ?? '1')
    const weight = Number.isFinite(q) ? q : 0
    if (type.trim() === NDJSON) ndjson = Math.max(ndjson, weight)
    else if (type.trim() === 'application/json') json = Math.max(json, weight)
  }
  return ndjson > 0 && ndjson >= json
}

export function badQuery (parameter: string, detail: string): HttpProblem {
  return parameterProblem('querystring', parameter, 'Invalid query parameter', detail, { type: 'bad-request' })
}

export function syncJobNotFound (id: string): HttpProblem {
  return new HttpProblem(404, 'Sync job not found',
    `No sync job ${id} is known: it never existed or has left the bounded history (GET /sync/jobs lists the recent ones).`,
    { type: 'not-found' })
}

export function diffNotAcceptable (): HttpProblem {
  return new HttpProblem(406, 'Not acceptable', 'The diff (since=) is served as application/json only.', { type: 'not-acceptable' })
}

/** 503 of POST /sync: no leader to run it (several replicas), or this process is shutting down. */
export function syncUnavailable (err?: SyncUnavailableError): HttpProblem {
  return err !== undefined
    ? new HttpProblem(503, 'No sync leader', err.message, { type: 'unavailable', headers: { 'retry-after': String(err.retryAfterSeconds) } })
    : new HttpProblem(503, 'Service is shutting down', 'No new sync can start while the service shuts down; retry on another instance.',
      { type: 'unavailable', headers: { 'retry-after': '5' } })
}

/**
 * POST /sync takes no body; a JSON one is tolerated (and ignored), an empty `application/json` one too
 * (Fastify would call it a 400). Any other media type gets Fastify's 415, rendered as a problem.
 */
export function acceptJsonBodiesOnly (app: FastifyInstance): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8')
    if (text.trim() === '') { done(null, undefined); return }
    try {
      done(null, JSON.parse(text))
    } catch {
      done(new HttpProblem(400, 'Malformed JSON body', 'The request body is not valid JSON; POST /sync needs no body at all.', { type: 'malformed-body' }), undefined)
    }
  })
}
