/**
 * /sync — the whole point-in-time snapshot in C1's shape (c1-model.md §7.2), its incremental diff, and
 * on-demand syncs. Routes only read published snapshots; a sync runs in the engine, never in a request.
 *
 *   POST /sync              start a sync (or join the running one) → 202 + Location of the job
 *   GET  /sync              one page of the snapshot (pageSize, pageToken), or the NDJSON stream of all of it
 *   GET  /sync?since=<id>   what changed since the snapshot `id`
 */
import { Readable } from 'node:stream'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ref } from '../../src/c1/model.ts'
import { etag, notModified } from '../../src/http/etag.ts'
import { DEFAULT_PAGE_SIZE, NotModifiedResponse } from '../../src/http/list-query.ts'
import { decodePageToken, encodePageToken, invalidPageToken } from '../../src/http/page-token.ts'
import { HttpProblem } from '../../src/http/problem.ts'
import { currentSnapshot, heldSnapshot } from '../../src/http/snapshot-access.ts'
import { problemResponses } from '../../src/plugins/schemas.ts'
import { diffSnapshots } from '../../src/sync/snapshot-diff.ts'
import type { SnapshotDiff } from '../../src/sync/snapshot-diff.ts'
import type { Snapshot } from '../../src/sync/snapshot.ts'
import { ndjsonLines, sliceSections, syncHeader } from '../../src/sync/sync-document.ts'
import { isSyncId } from '../../src/sync/sync-id.ts'
import { SyncDiffSchema, SyncJobSchema, SyncPageSchema, SyncQuerySchema } from '../../src/sync/sync-schemas.ts'
import type { SyncJobBody } from '../../src/sync/sync-schemas.ts'
import type { Static } from '@sinclair/typebox'

const NDJSON = 'application/x-ndjson'
const PAGE_SCOPE = 'sync'

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  acceptJsonBodiesOnly(app)

  app.post('/', {
    schema: {
      tags: ['sync'],
      operationId: 'startSync',
      summary: 'Start a sync (or join the running one)',
      description: 'Reads the whole Zuora directory in the background and publishes a new snapshot only if the read is ' +
        'complete and consistent. Answers at once with the job; poll its Location. When a sync is already running, ' +
        'returns that job instead of starting another. No body is needed (a JSON body is accepted and ignored).',
      response: {
        202: { ...ref(SyncJobSchema), description: 'The job (new or already running); its URL is in Location' },
        ...problemResponses(401, 415, 503)
      }
    }
  }, startSync)

  app.get('/', {
    schema: {
      tags: ['sync'],
      operationId: 'getSync',
      summary: 'The current snapshot (paged or NDJSON), or the diff since an earlier one',
      description: 'Without `since`: one page of the current snapshot in c1.connector.v2 protojson. Pages cut one sequence ' +
        '(resourceTypes → resources → entitlements → grants, `pageSize` objects each); follow `nextPageToken` until it is "". ' +
        'Every page of a walk comes from the snapshot of its first page, even when a newer one is published meanwhile; ' +
        'when that snapshot is no longer held the token answers 410 and the walk must restart.\n\n' +
        'With `Accept: application/x-ndjson`: the whole snapshot as one stream, a header line `{"snapshot":…}`, one line per object ' +
        '(`{"resourceType":…}`, `{"resource":…}`, `{"entitlement":…}`, `{"grant":…}`) and a last line `{"end":{"syncId","items"}}`; ' +
        'a stream without that line is incomplete and must not be used as a full sync.\n\n' +
        'With `since=<syncId>`: the upserts and deletions from that snapshot to the current one (empty when it is the current one); ' +
        '410 when it is no longer held: do a full read.',
      querystring: SyncQuerySchema,
      response: {
        200: {
          description: 'A page of the snapshot, the NDJSON stream, or (with since) the diff',
          content: {
            'application/json': { schema: Type.Union([ref(SyncPageSchema), ref(SyncDiffSchema)]) },
            [NDJSON]: { schema: Type.String({ description: 'Newline-delimited JSON, one object per line' }) }
          }
        },
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 406, 503),
        410: { ...problemResponses(410)[410], description: 'The snapshot of the pageToken or of `since` is no longer held: restart the walk, or do a full read instead of the diff' }
      }
    }
  }, getSync)
}

export default plugin

// --- handlers ------------------------------------------------------------------------------------

type SyncQuery = Static<typeof SyncQuerySchema>

async function startSync (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<SyncJobBody> {
  const engine = this.syncEngine
  const joined = engine.running() !== undefined
  let job
  try {
    job = engine.trigger('api')
  } catch {
    throw new HttpProblem(503, 'Service is shutting down', 'No new sync can start while the service shuts down; retry on another instance.', {
      type: 'unavailable',
      headers: { 'retry-after': '5' }
    })
  }
  request.log.info({ syncJob: job.id, joined }, joined ? 'sync requested; joined the running one' : 'sync requested')
  reply.code(202).header('location', `/sync/jobs/${job.id}`)
  return job as SyncJobBody
}

/**
 * Every branch awaits the reply (a thenable that settles when the answer is written): Fastify must not answer again
 * while the NDJSON stream still flows after this handler returns.
 */
async function getSync (this: FastifyInstance, request: FastifyRequest<{ Querystring: SyncQuery }>, reply: FastifyReply): Promise<void> {
  const { pageSize = DEFAULT_PAGE_SIZE, pageToken, since } = request.query
  const ndjson = wantsNdjson(request)
  if (since !== undefined) {
    if (pageToken !== undefined) throw badQuery('pageToken', 'since and pageToken cannot be combined: the diff is not paged.')
    if (ndjson) throw notAcceptable('The diff (since=) is served as application/json only.')
    const diff = diffSince(this, since)
    const tag = etag(diff.toSyncId, 'sync-diff', diff.fromSyncId)
    await (notModified(request, reply, tag) ? reply.code(304).send() : sendJson(reply, diff))
  } else if (ndjson) {
    if (pageToken !== undefined) throw badQuery('pageToken', 'The NDJSON stream is the whole snapshot; it takes no pageToken.')
    const snapshot = currentSnapshot(this)
    const tag = etag(snapshot.syncId, 'sync-ndjson')
    await (notModified(request, reply, tag) ? reply.code(304).send() : sendNdjson(reply, snapshot))
  } else {
    const { snapshot, offset } = pageStart(this, pageToken)
    const tag = etag(snapshot.syncId, 'sync-page', String(offset), String(pageSize))
    await (notModified(request, reply, tag) ? reply.code(304).send() : sendJson(reply, page(snapshot, offset, pageSize)))
  }
}

// --- helpers -------------------------------------------------------------------------------------

/** Where a page starts: the current snapshot, or the snapshot and offset a page token pinned. */
function pageStart (app: FastifyInstance, pageToken: string | undefined): { snapshot: Snapshot, offset: number } {
  if (pageToken === undefined) return { snapshot: currentSnapshot(app), offset: 0 }
  const token = decodePageToken(pageToken, PAGE_SCOPE)
  return { snapshot: heldSnapshot(app, token.syncId), offset: token.offset }
}

/** One page of the global sequence (resource types → resources → entitlements → grants). */
function page (snapshot: Snapshot, offset: number, pageSize: number) {
  const { sections, end, total } = sliceSections(snapshot, offset, pageSize)
  if (offset > total) throw invalidPageToken('The pageToken points past the end of its snapshot.')
  const { stats, integrity, ...header } = syncHeader(snapshot)
  return {
    ...header,
    ...sections,
    stats,
    integrity,
    nextPageToken: end < total ? encodePageToken({ syncId: snapshot.syncId, offset: end, scope: PAGE_SCOPE }) : ''
  }
}

/**
 * The page and the diff are built by our own pure mapping (shapes pinned by the schemas and their tests), so they are
 * serialised with JSON.stringify: the response schema is a union (page | diff), which fast-json-stringify would
 * resolve by validating every response against both branches first.
 */
function sendJson (reply: FastifyReply, body: object): FastifyReply {
  return reply.type('application/json; charset=utf-8').serializer(JSON.stringify).send(body)
}

/** The whole snapshot, one JSON object per line, produced lazily as the client reads (constant memory per line). */
function sendNdjson (reply: FastifyReply, snapshot: Snapshot): FastifyReply {
  return reply.type(`${NDJSON}; charset=utf-8`).header('x-sync-id', snapshot.syncId).send(Readable.from(ndjsonLines(snapshot)))
}

/** Diffs of (since, current) are computed once per pair: clients poll with the same `since`. */
const diffs = new WeakMap<Snapshot, Map<string, SnapshotDiff>>()

function diffSince (app: FastifyInstance, since: string): SnapshotDiff {
  if (!isSyncId(since)) throw badQuery('since', `since must be a syncId (27 base62 characters, as in a page's syncId), not ${JSON.stringify(String(since).slice(0, 40))}.`)
  const current = currentSnapshot(app)
  let perTarget = diffs.get(current)
  const cached = perTarget?.get(since)
  if (cached !== undefined) return cached
  if (since !== current.syncId && app.snapshots.get(since) === undefined) {
    throw new HttpProblem(410, 'Snapshot expired',
      `Snapshot ${since} is not held any more (or never existed), so no diff can be computed. Do a full read: GET /sync without since, ` +
      `then use its syncId as the next since.`,
      { type: 'snapshot-expired', extra: { since, currentSyncId: current.syncId } })
  }
  const diff = diffSnapshots(since === current.syncId ? current : heldSnapshot(app, since), current)
  if (perTarget === undefined) {
    perTarget = new Map()
    diffs.set(current, perTarget)
  }
  perTarget.set(since, diff)
  return diff
}

/** True when the client asks for NDJSON (and did not rank JSON above it). */
function wantsNdjson (request: FastifyRequest): boolean {
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

function badQuery (parameter: string, detail: string): HttpProblem {
  return new HttpProblem(400, 'Invalid query parameter', detail, {
    type: 'bad-request',
    extra: { errors: [{ in: 'querystring', parameter, message: detail }] }
  })
}

function notAcceptable (detail: string): HttpProblem {
  return new HttpProblem(406, 'Not acceptable', detail, { type: 'not-acceptable' })
}

/**
 * POST /sync takes no body; a JSON one is tolerated (and ignored), an empty `application/json` one too
 * (Fastify would call it a 400). Any other media type gets Fastify's 415, rendered as a problem.
 */
function acceptJsonBodiesOnly (app: FastifyInstance): void {
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
