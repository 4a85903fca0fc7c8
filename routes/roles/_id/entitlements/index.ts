/**
 * GET /roles/:id/entitlements — the role's one entitlement, `role:<id>:assigned`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { EntitlementSchema, ref } from '#src/c1/model.ts'
import { checkedId, entitlementsPage } from '#src/api/list-page.ts'
import { RoleIdParamsSchema, ListQuerySchema, NotModifiedResponse, pageOf } from '#src/api/list-query.ts'
import type { IdParams, ListQuery } from '#src/api/list-query.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { EXAMPLES } from '#src/api/examples.ts'

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['resources'],
      operationId: 'listRoleEntitlements',
      summary: 'List a role\'s entitlements',
      description: 'Exactly one entitlement: `role:<id>:assigned` (slug assigned, purpose ASSIGNMENT, grantable to users). ' +
        'Mirrors baton ListEntitlements(role).',
      params: RoleIdParamsSchema,
      querystring: ListQuerySchema,
      response: {
        200: pageOf(ref(EntitlementSchema), 'The role\'s entitlements (one)', EXAMPLES.roleEntitlement),
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 404, 410, 503)
      }
    },
    handler: listRoleEntitlements
  })
}

export default plugin

async function listRoleEntitlements (this: FastifyInstance, request: FastifyRequest<{ Params: IdParams, Querystring: ListQuery }>, reply: FastifyReply): Promise<void> {
  entitlementsPage(this, request, reply, 'role', checkedId('role', request.params.id), request.query)
}
