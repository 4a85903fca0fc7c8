/**
 * GET /groups/:id/grants — one grant per user in the group, in user-id order, paged.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { flatGrant, FlatGrantSchema } from '#src/c1/flat.ts'
import { GrantSchema, ref } from '#src/c1/model.ts'
import { checkedId, grantsPage } from '#src/api/list-page.ts'
import { GroupIdParamsSchema, NotModifiedResponse, pageOf, viewPagesOf, ViewListQuerySchema } from '#src/api/list-query.ts'
import type { IdParams, ViewListQuery } from '#src/api/list-query.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { EXAMPLES } from '#src/api/examples.ts'

const PAGES = viewPagesOf(pageOf(ref(GrantSchema), 'A page of the group\'s grants', EXAMPLES.groupGrant), FlatGrantSchema, 'A page of the group\'s grants', flatGrant(EXAMPLES.groupGrant))

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['resources'],
      operationId: 'listGroupGrants',
      summary: 'List a group\'s grants',
      description: 'One grant per user in the group: id `group:<id>:member:user:<userId>`, with entitlement and principal ' +
        'references, sorted by user id. Paged like the lists (tokens are bound to this group). Mirrors baton ListGrants(group).',
      params: GroupIdParamsSchema,
      querystring: ViewListQuerySchema,
      response: {
        200: PAGES.schema,
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 404, 410, 503)
      }
    },
    handler: listGroupGrants
  })
}

export default plugin

async function listGroupGrants (this: FastifyInstance, request: FastifyRequest<{ Params: IdParams, Querystring: ViewListQuery }>, reply: FastifyReply): Promise<void> {
  grantsPage(this, request, reply, 'group', checkedId('group', request.params.id), request.query, PAGES.proto)
}
