/**
 * GET /groups/:id — one Zuora user group as a C1 `group` resource.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ref, ResourceSchema } from '#src/c1/model.ts'
import { checkedId, sendOne } from '#src/api/list-page.ts'
import { GroupIdParamsSchema, NotModifiedResponse, singleOf } from '#src/api/list-query.ts'
import type { IdParams } from '#src/api/list-query.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { EXAMPLES } from '#src/api/examples.ts'

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['resources'],
      operationId: 'getGroup',
      summary: 'Get a group',
      description: 'One Zuora user group (by its immutable Zuora id) as a C1 `group` resource, from the current snapshot.',
      params: GroupIdParamsSchema,
      response: {
        200: singleOf(ref(ResourceSchema), 'The group', EXAMPLES.group),
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 404, 503)
      }
    },
    handler: getGroup
  })
}

export default plugin

async function getGroup (this: FastifyInstance, request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply): Promise<void> {
  const id = checkedId('group', request.params.id)
  sendOne(this, request, reply, { kind: 'group', path: 'groups', id, find: (snapshot) => snapshot.resource('group', id) })
}
