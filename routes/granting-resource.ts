/**
 * GET /roles and /groups with their `:id`, `:id/entitlements` and `:id/grants`: the two kinds of resource that grant
 * access are served by the same four routes, built here from what differs (names, texts, examples, flat views).
 */
import type { TSchema } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { flatGrant, FlatGrantSchema } from '#src/c1/flat.ts'
import type { Resource } from '#src/c1/model.ts'
import { EntitlementSchema, GrantSchema, ref, ResourceSchema } from '#src/c1/model.ts'
import type { GrantingKind } from '#src/sync/snapshot.ts'
import { EXAMPLES } from '#src/api/examples.ts'
import { checkedId, entitlementsPage, grantsPage, sendListPage, sendOne } from '#src/api/paging.ts'
import { ListQuerySchema, NotModifiedResponse, pageOf, singleOf, viewPagesOf, ViewListQuerySchema } from '#src/api/list-query.ts'
import type { IdParams, ListQuery, ViewListQuery } from '#src/api/list-query.ts'
import { problemResponses } from '#src/api/problem.ts'

export interface GrantingResource {
  readonly kind: GrantingKind
  /** `Role` / `Group`: the operationIds are list<Name>s, get<Name>, list<Name>Entitlements, list<Name>Grants. */
  readonly name: string
  readonly params: TSchema
  readonly flat: (resource: Resource) => object
  readonly flatSchema: TSchema
  /** The OpenAPI descriptions of the four operations. */
  readonly describe: { readonly list: string, readonly get: string, readonly entitlements: string, readonly grants: string }
}

export function grantingResource (r: GrantingResource): FastifyPluginAsyncTypebox {
  const { kind, name, params } = r
  const plural = `${kind}s` as const
  const example = EXAMPLES[kind]
  const listPages = viewPagesOf(pageOf(ref(ResourceSchema), `A page of ${plural}`, example), r.flatSchema, `A page of ${plural}`, r.flat(example))
  const grantExample = EXAMPLES[`${kind}Grant`]
  const grantPages = viewPagesOf(pageOf(ref(GrantSchema), `A page of the ${kind}'s grants`, grantExample), FlatGrantSchema,
    `A page of the ${kind}'s grants`, flatGrant(grantExample))

  async function list (this: FastifyInstance, request: FastifyRequest<{ Querystring: ViewListQuery }>, reply: FastifyReply): Promise<void> {
    const { pageSize, pageToken, view } = request.query
    sendListPage(this, request, reply, { scope: plural, pageSize, pageToken, view, flat: r.flat, proto: listPages.proto, items: (snapshot) => snapshot[plural] })
  }

  async function get (this: FastifyInstance, request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply): Promise<void> {
    const id = checkedId(kind, request.params.id)
    sendOne(this, request, reply, { kind, path: plural, id, find: (snapshot) => snapshot.resource(kind, id) })
  }

  async function listEntitlements (this: FastifyInstance, request: FastifyRequest<{ Params: IdParams, Querystring: ListQuery }>, reply: FastifyReply): Promise<void> {
    entitlementsPage(this, request, reply, kind, checkedId(kind, request.params.id), request.query)
  }

  async function listGrants (this: FastifyInstance, request: FastifyRequest<{ Params: IdParams, Querystring: ViewListQuery }>, reply: FastifyReply): Promise<void> {
    grantsPage(this, request, reply, kind, checkedId(kind, request.params.id), request.query, grantPages.proto)
  }

  return async (app) => {
    app.get('/', {
      schema: {
        tags: ['resources'],
        operationId: `list${name}s`,
        summary: `List ${plural}`,
        description: r.describe.list,
        querystring: ViewListQuerySchema,
        response: { 200: listPages.schema, 304: NotModifiedResponse, ...problemResponses(400, 401, 410, 503) }
      }
    }, list)
    app.get('/:id', {
      schema: {
        tags: ['resources'],
        operationId: `get${name}`,
        summary: `Get a ${kind}`,
        description: r.describe.get,
        params,
        response: { 200: singleOf(ref(ResourceSchema), `The ${kind}`, example), 304: NotModifiedResponse, ...problemResponses(400, 401, 404, 503) }
      }
    }, get)
    app.get('/:id/entitlements', {
      schema: {
        tags: ['resources'],
        operationId: `list${name}Entitlements`,
        summary: `List a ${kind}'s entitlements`,
        description: r.describe.entitlements,
        params,
        querystring: ListQuerySchema,
        response: {
          200: pageOf(ref(EntitlementSchema), `The ${kind}'s entitlements (one)`, EXAMPLES[`${kind}Entitlement`]),
          304: NotModifiedResponse,
          ...problemResponses(400, 401, 404, 410, 503)
        }
      }
    }, listEntitlements)
    app.get('/:id/grants', {
      schema: {
        tags: ['resources'],
        operationId: `list${name}Grants`,
        summary: `List a ${kind}'s grants`,
        description: r.describe.grants,
        params,
        querystring: ViewListQuerySchema,
        response: { 200: grantPages.schema, 304: NotModifiedResponse, ...problemResponses(400, 401, 404, 410, 503) }
      }
    }, listGrants)
  }
}
