/**
 * GET /groups/:id/entitlements — the group's one entitlement, `group:<id>:member`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { EntitlementSchema, ref } from '#src/c1/model.ts'
import { checkedId, entitlementsPage } from '#src/api/list-page.ts'
import { GroupIdParamsSchema, ListQuerySchema, NotModifiedResponse, pageOf } from '#src/api/list-query.ts'
import type { IdParams, ListQuery } from '#src/api/list-query.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { EXAMPLES } from '#src/api/examples.ts'

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['resources'],
      operationId: 'listGroupEntitlements',
      summary: 'List a group\'s entitlements',
      description: 'Exactly one entitlement: `group:<id>:member` (slug member, purpose ASSIGNMENT, grantable to users). ' +
        'Mirrors baton ListEntitlements(group).',
      params: GroupIdParamsSchema,
      querystring: ListQuerySchema,
      response: {
        200: pageOf(ref(EntitlementSchema), 'The group\'s entitlements (one)', EXAMPLES.groupEntitlement),
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 404, 410, 503)
      }
    },
    handler: listGroupEntitlements
  })
}

export default plugin

async function listGroupEntitlements (this: FastifyInstance, request: FastifyRequest<{ Params: IdParams, Querystring: ListQuery }>, reply: FastifyReply): Promise<void> {
  entitlementsPage(this, request, reply, 'group', checkedId('group', request.params.id), request.query)
}
