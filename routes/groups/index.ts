/**
 * GET /groups — Zuora user groups (SCIM Groups) as C1 `group` resources, for parity with C1's own Zuora connector.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { flatGroup, FlatGroupSchema } from '#src/c1/flat.ts'
import { ref, ResourceSchema } from '#src/c1/model.ts'
import { sendListPage } from '#src/api/list-page.ts'
import { NotModifiedResponse, pageOf, viewPagesOf, ViewListQuerySchema } from '#src/api/list-query.ts'
import type { ViewListQuery } from '#src/api/list-query.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { EXAMPLES } from '#src/api/examples.ts'

const PAGES = viewPagesOf(pageOf(ref(ResourceSchema), 'A page of groups', EXAMPLES.group), FlatGroupSchema, 'A page of groups', flatGroup(EXAMPLES.group))

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['resources'],
      operationId: 'listGroups',
      summary: 'List groups',
      description: 'Zuora user groups as C1 `group` resources (GroupTrait, RawId), sorted by their immutable Zuora id. ' +
        'Mirrors baton ListResources(group).',
      querystring: ViewListQuerySchema,
      response: {
        200: PAGES.schema,
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 410, 503)
      }
    },
    handler: listGroups
  })
}

export default plugin

async function listGroups (this: FastifyInstance, request: FastifyRequest<{ Querystring: ViewListQuery }>, reply: FastifyReply): Promise<void> {
  const { pageSize, pageToken, view } = request.query
  sendListPage(this, request, reply, { scope: 'groups', pageSize, pageToken, view, flat: flatGroup, proto: PAGES.proto, items: (snapshot) => snapshot.groups })
}
