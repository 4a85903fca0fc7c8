/**
 * The route factory of /users, /roles and /groups: a list and a get, and for the kinds that grant access (roles,
 * groups) their one entitlement and its grants. users.ts, roles.ts and groups.ts give what differs.
 */
import type { TSchema } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { flatGrant, FlatGrantSchema } from '#src/c1/flat.ts'
import type { Resource } from '#src/c1/model.ts'
import { EntitlementSchema, GrantSchema, ref, ResourceSchema } from '#src/c1/model.ts'
import { seqFromArray } from '#src/sync/seq.ts'
import type { GrantingKind } from '#src/sync/snapshot.ts'
import { DEMO_IDS, EXAMPLES } from '#src/api/examples.ts'
import { checkedId, notFound, sendListPage, sendOne } from '#src/api/paging.ts'
import { idParams, ListQuerySchema, NotModifiedResponse, pageOf, singleOf, UsersQuerySchema, viewPagesOf, ViewListQuerySchema } from '#src/api/list-query.ts'
import type { UsersQuery } from '#src/api/list-query.ts'
import { problemResponses } from '#src/api/problem.ts'
import { isEmptyFilter, pickSeq, usersScope } from '#src/api/views.ts'

export interface ResourceRoutes {
  readonly kind: 'user' | GrantingKind
  /** Description of the `:id` path parameter. */
  readonly id: string
  readonly flat: (resource: Resource) => object
  readonly flatSchema: TSchema
  /** The OpenAPI descriptions of the operations (entitlements and grants: roles and groups only). */
  readonly describe: { readonly list: string, readonly get: string, readonly entitlements?: string, readonly grants?: string }
}

export function resourceRoutes (r: ResourceRoutes): FastifyPluginAsyncTypebox {
  const { kind } = r
  const name = kind[0]!.toUpperCase() + kind.slice(1) // of the operationIds: listUsers, getRole, listGroupGrants…
  const plural = `${kind}s` as const
  const example = EXAMPLES[kind]
  const params = idParams(r.id, DEMO_IDS[kind])
  const listPages = viewPagesOf(pageOf(ref(ResourceSchema), `A page of ${plural}`, example), r.flatSchema, `A page of ${plural}`, r.flat(example))

  return async (app) => {
    app.get('/', {
      schema: {
        tags: ['resources'],
        operationId: `list${name}s`,
        summary: `List ${plural}`,
        description: r.describe.list,
        querystring: kind === 'user' ? UsersQuerySchema : ViewListQuerySchema,
        response: { 200: listPages.schema, 304: NotModifiedResponse, ...problemResponses(400, 401, 410, 503) }
      }
    }, async function (request, reply) {
      // Users may be filtered (status, role, q); the filtered positions are computed once per snapshot and filter.
      const { pageSize, pageToken, view, status, role, q } = request.query as UsersQuery
      const filter = { status, role, q }
      sendListPage(this, request, reply, {
        scope: kind === 'user' ? usersScope(filter) : plural,
        pageSize,
        pageToken,
        view,
        flat: r.flat,
        proto: listPages.proto,
        items: (snapshot) => kind !== 'user' || isEmptyFilter(filter)
          ? snapshot[plural]
          : pickSeq(snapshot.users, this.views.userIndexes(snapshot.syncId, snapshot.directory.users, filter))
      })
    })
    app.get('/:id', {
      schema: {
        tags: ['resources'],
        operationId: `get${name}`,
        summary: `Get a ${kind}`,
        description: r.describe.get,
        params,
        response: { 200: singleOf(ref(ResourceSchema), `The ${kind}`, example), 304: NotModifiedResponse, ...problemResponses(400, 401, 404, 503) }
      }
    }, async function (request, reply) {
      sendOne(this, request, reply, kind, checkedId(kind, request.params.id))
    })
    if (kind !== 'user') grantingRoutes(app, kind, name, params, r.describe)
  }
}

/** `:id/entitlements` and `:id/grants` of a role or group; their page tokens are bound to that role or group. */
function grantingRoutes (app: Parameters<FastifyPluginAsyncTypebox>[0], kind: GrantingKind, name: string, params: ReturnType<typeof idParams>, describe: ResourceRoutes['describe']): void {
  const unknown = (id: string): never => { throw notFound(kind, id) }
  const grantExample = EXAMPLES[`${kind}Grant`]
  const grantPages = viewPagesOf(pageOf(ref(GrantSchema), `A page of the ${kind}'s grants`, grantExample), FlatGrantSchema,
    `A page of the ${kind}'s grants`, flatGrant(grantExample))
  app.get('/:id/entitlements', {
    schema: {
      tags: ['resources'],
      operationId: `list${name}Entitlements`,
      summary: `List a ${kind}'s entitlements`,
      description: describe.entitlements,
      params,
      querystring: ListQuerySchema,
      response: {
        200: pageOf(ref(EntitlementSchema), `The ${kind}'s entitlements (one)`, EXAMPLES[`${kind}Entitlement`]),
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 404, 410, 503)
      }
    }
  }, async function (request, reply) {
    const id = checkedId(kind, request.params.id)
    const { pageSize, pageToken } = request.query
    sendListPage(this, request, reply, {
      scope: `${kind}s/${id}/entitlements`,
      pageSize,
      pageToken,
      items: (snapshot) => seqFromArray(snapshot.entitlementsOf(kind, id) ?? unknown(id))
    })
  })
  app.get('/:id/grants', {
    schema: {
      tags: ['resources'],
      operationId: `list${name}Grants`,
      summary: `List a ${kind}'s grants`,
      description: describe.grants,
      params,
      querystring: ViewListQuerySchema,
      response: { 200: grantPages.schema, 304: NotModifiedResponse, ...problemResponses(400, 401, 404, 410, 503) }
    }
  }, async function (request, reply) {
    const id = checkedId(kind, request.params.id)
    const { pageSize, pageToken, view } = request.query
    sendListPage(this, request, reply, {
      scope: `${kind}s/${id}/grants`,
      pageSize,
      pageToken,
      view,
      flat: flatGrant,
      proto: grantPages.proto,
      items: (snapshot) => snapshot.grantsOf(kind, id) ?? unknown(id)
    })
  })
}
