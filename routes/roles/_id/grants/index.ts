/**
 * GET /roles/:id/grants — one grant per user holding the role, in user-id order, paged.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { flatGrant, FlatGrantSchema } from '#src/c1/flat.ts'
import { GrantSchema, ref } from '#src/c1/model.ts'
import { checkedId, grantsPage } from '#src/api/list-page.ts'
import { RoleIdParamsSchema, NotModifiedResponse, pageOf, viewPagesOf, ViewListQuerySchema } from '#src/api/list-query.ts'
import type { IdParams, ViewListQuery } from '#src/api/list-query.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { EXAMPLES } from '#src/api/examples.ts'

const PAGES = viewPagesOf(pageOf(ref(GrantSchema), 'A page of the role\'s grants', EXAMPLES.roleGrant), FlatGrantSchema, 'A page of the role\'s grants', flatGrant(EXAMPLES.roleGrant))

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['resources'],
      operationId: 'listRoleGrants',
      summary: 'List a role\'s grants',
      description: 'One grant per user holding the role: id `role:<id>:assigned:user:<userId>`, with entitlement and principal ' +
        'references, sorted by user id. Paged like the lists (tokens are bound to this role). Mirrors baton ListGrants(role).',
      params: RoleIdParamsSchema,
      querystring: ViewListQuerySchema,
      response: {
        200: PAGES.schema,
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 404, 410, 503)
      }
    },
    handler: listRoleGrants
  })
}

export default plugin

async function listRoleGrants (this: FastifyInstance, request: FastifyRequest<{ Params: IdParams, Querystring: ViewListQuery }>, reply: FastifyReply): Promise<void> {
  grantsPage(this, request, reply, 'role', checkedId('role', request.params.id), request.query, PAGES.proto)
}
