/**
 * The one way every list route answers: pick the snapshot (current, or the one the page token pinned), the
 * items of the list in it, the ETag (304 when If-None-Match names it), then the page, serialised once per
 * (snapshot, list, offset, pageSize) and served from the view cache afterwards.
 */
import type { TSchema } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { flatGrant } from '#src/c1/flat.ts'
import type { ListView } from '#src/c1/flat.ts'
import { quoteId, unsafeIdReason } from '#src/c1/ids.ts'
import { seqFromArray } from '#src/sync/seq.ts'
import type { Seq } from '#src/sync/seq.ts'
import type { GrantingKind, Snapshot } from '#src/sync/snapshot.ts'
import { etag, notModified } from './etag.ts'
import { DEFAULT_PAGE_SIZE } from './list-query.ts'
import type { ListQuery, ViewListQuery } from './list-query.ts'
import { decodePageToken, invalidPageToken, nextPageToken } from './page-token.ts'
import { HttpProblem, parameterProblem } from './problem.ts'
import { currentSnapshot, heldSnapshot } from './snapshot-access.ts'
import { slicePage } from './views.ts'

const JSON_TYPE = 'application/json; charset=utf-8'

export interface ListRequest<T> {
  /** Page-token scope: the list and its filters (`users?…`, `roles`, `roles/<id>/grants`). */
  readonly scope: string
  readonly pageSize: number | undefined
  readonly pageToken: string | undefined
  /** The items of the list in `snapshot`; throw a 404 problem for an unknown parent resource. */
  readonly items: (snapshot: Snapshot) => Seq<T>
  /** `?view`; flat needs `flat` (the item's flat form) and `proto` (the protojson page schema, for serialising). */
  readonly view?: ListView | undefined
  readonly flat?: (item: T) => object
  readonly proto?: TSchema
}

/** The snapshot a list request reads, and where its page starts. */
export function pageStart (app: FastifyInstance, scope: string, pageToken: string | undefined): { snapshot: Snapshot, offset: number } {
  if (pageToken === undefined) return { snapshot: currentSnapshot(app), offset: 0 }
  const { syncId, offset } = decodePageToken(pageToken, scope)
  return { snapshot: heldSnapshot(app, syncId), offset }
}

/** Builds a list page (pure apart from the token encoding). */
export function buildPage<T> (snapshot: Snapshot, scope: string, items: Seq<T>, offset: number, pageSize: number) {
  const { items: list, end, total } = slicePage(items, offset, pageSize)
  return {
    list,
    nextPageToken: nextPageToken(snapshot.syncId, scope, end, total),
    syncId: snapshot.syncId,
    snapshotAt: snapshot.snapshotAt
  }
}

/**
 * Answers a list request with the serialised page (cached UTF-8 bytes, sent as is) or a 304.
 * The route's 200 response schema serialises the page, so the cached bytes are what the schema documents.
 */
export function sendListPage<T> (app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, req: ListRequest<T>): void {
  const pageSize = req.pageSize ?? DEFAULT_PAGE_SIZE
  const { snapshot, offset } = pageStart(app, req.scope, req.pageToken)
  const items = req.items(snapshot)
  if (offset > items.length) throw invalidPageToken('The pageToken points past the end of its list.')
  const flat = req.view === 'flat' ? req.flat : undefined
  if (req.view === 'flat' && flat === undefined) throw new Error(`no flat view for ${req.scope}`)
  // The flat view adds its name to the tag and the cache key; the protojson ones are unchanged.
  const viewPart = flat !== undefined ? ['flat'] : []
  const tag = etag(snapshot.syncId, req.scope, String(offset), String(pageSize), ...viewPart)
  if (notModified(request, reply, tag)) {
    reply.code(304).send()
    return
  }
  const body = app.views.page(snapshot.syncId, [req.scope, offset, pageSize, ...viewPart].join('\u0000'), () => {
    const page = buildPage(snapshot, req.scope, items, offset, pageSize)
    if (flat !== undefined) return JSON.stringify({ ...page, list: page.list.map(flat) })
    const serialize = req.proto !== undefined ? reply.compileSerializationSchema(req.proto, '200') : reply.getSerializationFunction('200')
    return serialize !== undefined ? serialize(page) : JSON.stringify(page)
  })
  reply.type(JSON_TYPE).send(body)
}

/**
 * Answers a single-resource request with `{resource, syncId, snapshotAt}` (or 304). `find` returns undefined for
 * an unknown id (→ 404 naming the id).
 */
export function sendOne<T> (app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, what: { kind: string, path: string, id: string, find: (snapshot: Snapshot) => T | undefined }): void {
  const snapshot = currentSnapshot(app)
  const resource = what.find(snapshot)
  if (resource === undefined) throw notFound(what.kind, what.id)
  const tag = etag(snapshot.syncId, what.path, what.id)
  if (notModified(request, reply, tag)) {
    reply.code(304).send()
    return
  }
  reply.send({ resource, syncId: snapshot.syncId, snapshotAt: snapshot.snapshotAt })
}

/**
 * The `:id` path parameter, checked before any lookup: an id C1 could not use (':' '/' '\', control characters,
 * edge spaces, > 1024 bytes) is refused with its reason instead of being mangled into another id.
 */
export function checkedId (kind: string, id: string): string {
  const reason = unsafeIdReason(id)
  if (reason === undefined) return id
  const detail = `The ${kind} id ${quoteId(id)} ${reason}; no ${kind} has such an id. Ids are used verbatim (URL-encoded in the path), never rewritten.`
  throw parameterProblem('params', 'id', 'Invalid id', detail, { type: 'invalid-id', message: `${kind} id ${reason}` })
}

export function notFound (kind: string, id: string): HttpProblem {
  return new HttpProblem(404, `Unknown ${kind}`, `No ${kind} with id ${quoteId(id)} in the current snapshot.`, {
    type: 'not-found',
    extra: { resourceType: kind, id }
  })
}

const PLURAL: Readonly<Record<GrantingKind, string>> = { role: 'roles', group: 'groups' }

/** `GET /<kind>s/:id/entitlements`: the one entitlement of a role or group, as a list page. */
export function entitlementsPage (app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, kind: GrantingKind, id: string, query: ListQuery): void {
  sendListPage(app, request, reply, {
    scope: `${PLURAL[kind]}/${id}/entitlements`,
    pageSize: query.pageSize,
    pageToken: query.pageToken,
    items: (snapshot) => {
      const entitlements = snapshot.entitlementsOf(kind, id)
      if (entitlements === undefined) throw notFound(kind, id)
      return seqFromArray(entitlements)
    }
  })
}

/**
 * `GET /<kind>s/:id/grants`: the grants of a role or group, paged (tokens bound to this resource); `proto` is the
 * protojson page schema (the route's 200 answer also documents the flat view).
 */
export function grantsPage (app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, kind: GrantingKind, id: string, query: ViewListQuery, proto: TSchema): void {
  sendListPage(app, request, reply, {
    scope: `${PLURAL[kind]}/${id}/grants`,
    pageSize: query.pageSize,
    pageToken: query.pageToken,
    view: query.view,
    flat: flatGrant,
    proto,
    items: (snapshot) => {
      const grants = snapshot.grantsOf(kind, id)
      if (grants === undefined) throw notFound(kind, id)
      return grants
    }
  })
}
