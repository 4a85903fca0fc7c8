/**
 * How every list answers: the snapshot (current: 503 before the first sync; pinned by the page token: 410 once no
 * longer held), the ETag (304 when If-None-Match names it), then the page, serialised once per (snapshot, list,
 * offset, pageSize) and served from the view cache afterwards.
 *
 * Page tokens are base64url of `{"v":1,"s":syncId,"o":offset,"h":scopeHash,"c":check}`: the walk stays on the
 * snapshot of its first page, and the scope hash (e.g. of `users?status=enabled&role=&q=` or `sync`) keeps a token
 * from being replayed against another list or filter. `c` is a checksum, not a signature (tokens grant nothing a
 * caller could not ask for directly): it catches truncated or edited tokens.
 */
import { createHash } from 'node:crypto'
import type { TSchema } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ListView } from '#src/c1/flat.ts'
import { quoteId, unsafeIdReason } from '#src/c1/ids.ts'
import type { Seq } from '#src/sync/seq.ts'
import type { ResourceKind, Snapshot } from '#src/sync/snapshot.ts'
import { isSyncId } from '#src/sync/sync-id.ts'
import type { SyncJob } from '#src/sync/types.ts'
import { etag, notModified } from './etag.ts'
import { DEFAULT_PAGE_SIZE, MAX_PAGE_TOKEN_LENGTH } from './list-query.ts'
import { HttpProblem, parameterProblem } from './problem.ts'
import { slicePage } from './views.ts'

const PAGE_TOKEN_VERSION = 1
const BASE64URL = /^[A-Za-z0-9_-]+$/

const digest = (text: string, length: number): string => createHash('sha256').update(text).digest('base64url').slice(0, length)
const scopeHash = (scope: string): string => digest(`scope\u0000${scope}`, 11)
const checksum = (v: number, s: string, o: number, h: string): string => digest(`${v}\u0000${s}\u0000${o}\u0000${h}`, 6)

export function encodePageToken ({ syncId, offset, scope }: { syncId: string, offset: number, scope: string }): string {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`page token offset must be a non-negative integer, not ${offset}`)
  const h = scopeHash(scope)
  const wire = { v: PAGE_TOKEN_VERSION, s: syncId, o: offset, h, c: checksum(PAGE_TOKEN_VERSION, syncId, offset, h) }
  return Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url')
}

/** The nextPageToken of a page that ends at `end` of `total` items: "" when it is the last page. */
export function nextPageToken (syncId: string, scope: string, end: number, total: number): string {
  return end < total ? encodePageToken({ syncId, offset: end, scope }) : ''
}

/** The snapshot and offset of a token issued for `scope`; 400 `invalid-page-token` for anything else. */
export function decodePageToken (token: string, scope: string): { syncId: string, offset: number } {
  if (typeof token !== 'string' || token.length === 0) throw invalidPageToken('The pageToken is empty.')
  if (token.length > MAX_PAGE_TOKEN_LENGTH) throw invalidPageToken(`The pageToken is ${token.length} characters long; tokens issued by this service are much shorter.`)
  if (!BASE64URL.test(token)) throw invalidPageToken('The pageToken is not a token issued by this service (it is not base64url).')
  let w: Partial<Record<'v' | 's' | 'o' | 'h' | 'c', unknown>> | null = null
  try {
    w = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
  } catch {}
  if (typeof w?.v !== 'number' || !isSyncId(w.s) || typeof w.o !== 'number' || !Number.isSafeInteger(w.o) || w.o < 0 ||
    typeof w.h !== 'string' || typeof w.c !== 'string') {
    throw invalidPageToken('The pageToken is not a token issued by this service (truncated or altered).')
  }
  const { v, s, o, h, c } = w
  if (v !== PAGE_TOKEN_VERSION) throw invalidPageToken(`The pageToken has version ${v}; this service issues version ${PAGE_TOKEN_VERSION}.`)
  if (c !== checksum(v, s, o, h)) throw invalidPageToken('The pageToken fails its checksum (truncated or altered).')
  if (h !== scopeHash(scope)) {
    throw invalidPageToken('The pageToken belongs to another list or filter; page tokens only work with the path and filters (status, role, q) of the request that returned them.')
  }
  return { syncId: s, offset: o }
}

export function invalidPageToken (reason: string): HttpProblem {
  return parameterProblem('querystring', 'pageToken', 'Invalid page token', `${reason} Restart the walk without pageToken.`, { type: 'invalid-page-token' })
}

/** The current snapshot, or 503 `snapshot-not-ready`. */
export function currentSnapshot (app: FastifyInstance): Snapshot {
  const snapshot = app.snapshots.current()
  if (snapshot !== undefined) return snapshot
  throw snapshotNotReady(app.syncEngine.running(), app.syncEngine.lastFinished())
}

export function snapshotNotReady (running: SyncJob | undefined, last: SyncJob | undefined): HttpProblem {
  const detail = running !== undefined
    ? `The first snapshot of the Zuora directory is being built (sync ${running.id}, phase ${running.progress.phase}); retry in a few seconds.`
    : last?.status === 'failed'
      ? `No snapshot of the Zuora directory exists yet: the last sync failed (${last.error?.title ?? 'unknown error'}); it is retried on schedule or with POST /sync.`
      : 'No snapshot of the Zuora directory exists yet; start one with POST /sync or wait for the scheduled sync.'
  // What a client may see of the job: no error internals beyond title and detail.
  const job = running ?? last
  const sync = job && { id: job.id, status: job.status, startedAt: job.startedAt, progress: job.progress, error: job.error && { title: job.error.title, detail: job.error.detail } }
  // Retry soon while the first snapshot is being built; when no sync runs (the last one failed), come back later.
  return new HttpProblem(503, 'Snapshot not ready', detail, {
    type: 'snapshot-not-ready',
    headers: { 'retry-after': running !== undefined ? '5' : '60' },
    extra: { sync: sync ?? null }
  })
}

export function snapshotExpired (syncId: string, currentSyncId: string | undefined): HttpProblem {
  return new HttpProblem(410, 'Snapshot expired',
    `The pageToken belongs to snapshot ${syncId}, which is no longer held (newer syncs replaced it). ` +
    'Restart the walk without pageToken; every page of the new walk comes from the current snapshot.',
    { type: 'snapshot-expired', extra: { syncId, currentSyncId } })
}

/** The snapshot a list request reads (the current one, or the one its page token names: 410 once gone) and where its page starts. */
export function pageStart (app: FastifyInstance, scope: string, pageToken: string | undefined): { snapshot: Snapshot, offset: number } {
  if (pageToken === undefined) return { snapshot: currentSnapshot(app), offset: 0 }
  const { syncId, offset } = decodePageToken(pageToken, scope)
  const snapshot = app.snapshots.get(syncId)
  if (snapshot === undefined) throw snapshotExpired(syncId, app.snapshots.current()?.syncId)
  return { snapshot, offset }
}

interface ListRequest<T> {
  scope: string
  pageSize: number | undefined
  pageToken: string | undefined
  items: (snapshot: Snapshot) => Seq<T>
  view?: ListView | undefined
  flat?: (item: T) => object
  proto?: TSchema
}

/**
 * Answers a list request with the serialised page (cached UTF-8 bytes, sent as is) or a 304. `items` throws a 404
 * problem for an unknown parent resource; `proto`, the protojson page schema, serialises the page (the route's 200
 * schema is a union with the flat page).
 */
export function sendListPage<T> (app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, req: ListRequest<T>): void {
  const pageSize = req.pageSize ?? DEFAULT_PAGE_SIZE
  const { snapshot, offset } = pageStart(app, req.scope, req.pageToken)
  const items = req.items(snapshot)
  if (offset > items.length) throw invalidPageToken('The pageToken points past the end of its list.')
  const flat = req.view === 'flat' ? req.flat : undefined
  // The flat view adds its name to the tag and the cache key; the protojson ones are unchanged.
  const viewPart = flat !== undefined ? ['flat'] : []
  const tag = etag(snapshot.syncId, req.scope, String(offset), String(pageSize), ...viewPart)
  if (notModified(request, reply, tag)) return
  const body = app.views.page(snapshot.syncId, [req.scope, offset, pageSize, ...viewPart].join('\u0000'), () => {
    const { items: list, end, total } = slicePage(items, offset, pageSize)
    const page = { list, nextPageToken: nextPageToken(snapshot.syncId, req.scope, end, total), syncId: snapshot.syncId, snapshotAt: snapshot.snapshotAt }
    if (flat !== undefined) return JSON.stringify({ ...page, list: page.list.map(flat) })
    const serialize = req.proto !== undefined ? reply.compileSerializationSchema(req.proto, '200') : reply.getSerializationFunction('200')
    return serialize !== undefined ? serialize(page) : JSON.stringify(page)
  })
  reply.type('application/json; charset=utf-8').send(body)
}

/** Answers a single-resource request with `{resource, syncId, snapshotAt}`, a 304, or a 404 naming the id. */
export function sendOne (app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, kind: ResourceKind, id: string): void {
  const snapshot = currentSnapshot(app)
  const resource = snapshot.resource(kind, id)
  if (resource === undefined) throw notFound(kind, id)
  if (!notModified(request, reply, etag(snapshot.syncId, `${kind}s`, id))) reply.send({ resource, syncId: snapshot.syncId, snapshotAt: snapshot.snapshotAt })
}

/**
 * The `:id` path parameter, checked before any lookup: an id C1 could not use (':' '/' '\', control characters,
 * edge spaces, > 1024 bytes) is refused with its reason instead of being mangled into another id.
 */
export function checkedId (kind: string, id: string): string {
  const reason = unsafeIdReason(id)
  if (reason === undefined) return id
  throw invalidId(kind, id, reason)
}

export function invalidId (kind: string, id: string, reason: string): HttpProblem {
  const detail = `The ${kind} id ${quoteId(id)} ${reason}; no ${kind} has such an id. Ids are used verbatim (URL-encoded in the path), never rewritten.`
  return parameterProblem('params', 'id', 'Invalid id', detail, { type: 'invalid-id', message: `${kind} id ${reason}` })
}

export function notFound (kind: string, id: string): HttpProblem {
  return new HttpProblem(404, `Unknown ${kind}`, `No ${kind} with id ${quoteId(id)} in the current snapshot.`, {
    type: 'not-found',
    extra: { resourceType: kind, id }
  })
}
