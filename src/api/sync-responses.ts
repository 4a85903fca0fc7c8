/**
 * The answers of GET /sync and POST /sync: snapshot pages, the NDJSON stream, the `since` diff, and the body rules.
 * Pure request → response pieces; the route module (routes/sync.ts) only wires them to URLs.
 */
import { Readable } from 'node:stream'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { diffSnapshots } from '#src/sync/snapshot-diff.ts'
import type { SnapshotDiff } from '#src/sync/snapshot-diff.ts'
import type { Snapshot } from '#src/sync/snapshot.ts'
import { ndjsonLines, sliceSections, syncHeader } from '#src/sync/sync-document.ts'
import { isSyncId } from '#src/sync/sync-id.ts'
import { pageStart } from './list-page.ts'
import { invalidPageToken, nextPageToken } from './page-token.ts'
import { HttpProblem, parameterProblem } from './problem.ts'
import { currentSnapshot, heldSnapshot } from './snapshot-access.ts'

export const NDJSON = 'application/x-ndjson'
const PAGE_SCOPE = 'sync'

/** Where a page starts: the current snapshot, or the snapshot and offset a page token pinned. */
export function syncPageStart (app: FastifyInstance, pageToken: string | undefined): { snapshot: Snapshot, offset: number } {
  return pageStart(app, PAGE_SCOPE, pageToken)
}

/** One page of the global sequence (resource types → resources → entitlements → grants). */
export function page (snapshot: Snapshot, offset: number, pageSize: number) {
  const { sections, end, total } = sliceSections(snapshot, offset, pageSize)
  if (offset > total) throw invalidPageToken('The pageToken points past the end of its snapshot.')
  const { stats, integrity, ...header } = syncHeader(snapshot)
  return {
    ...header,
    ...sections,
    stats,
    integrity,
    nextPageToken: nextPageToken(snapshot.syncId, PAGE_SCOPE, end, total)
  }
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

export function notAcceptable (detail: string): HttpProblem {
  return new HttpProblem(406, 'Not acceptable', detail, { type: 'not-acceptable' })
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
