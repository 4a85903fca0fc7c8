/**
 * GET /resource-types — the kinds of resource this connector serves: user, role, group.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ref, ResourceTypeSchema } from '#src/c1/model.ts'
import { sendListPage } from '#src/api/list-page.ts'
import { ListQuerySchema, NotModifiedResponse, pageOf } from '#src/api/list-query.ts'
import type { ListQuery } from '#src/api/list-query.ts'
import { seqFromArray } from '#src/sync/seq.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { RESOURCE_TYPES } from '#src/c1/mapping.ts'

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['resources'],
      operationId: 'listResourceTypes',
      summary: 'List resource types',
      description: '`user` (TRAIT_USER, SkipEntitlementsAndGrants), `role` (TRAIT_ROLE) and `group` (TRAIT_GROUP). ' +
        'Mirrors baton ListResourceTypes. Answered from the current snapshot like every data endpoint (503 before the first one).',
      querystring: ListQuerySchema,
      response: {
        200: pageOf(ref(ResourceTypeSchema), 'The resource types', RESOURCE_TYPES[0] as object),
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 410, 503)
      }
    },
    handler: listResourceTypes
  })
}

export default plugin

async function listResourceTypes (this: FastifyInstance, request: FastifyRequest<{ Querystring: ListQuery }>, reply: FastifyReply): Promise<void> {
  const { pageSize, pageToken } = request.query
  sendListPage(this, request, reply, {
    scope: 'resource-types',
    pageSize,
    pageToken,
    items: (snapshot) => seqFromArray(snapshot.resourceTypes)
  })
}
