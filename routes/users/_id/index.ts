/**
 * GET /users/:id — one Zuora user as a C1 `user` resource.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ref, ResourceSchema } from '#src/c1/model.ts'
import { checkedId, sendOne } from '#src/api/list-page.ts'
import { UserIdParamsSchema, NotModifiedResponse, singleOf } from '#src/api/list-query.ts'
import type { IdParams } from '#src/api/list-query.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { EXAMPLES } from '#src/api/examples.ts'

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['resources'],
      operationId: 'getUser',
      summary: 'Get a user',
      description: 'One Zuora user (by its immutable Zuora id) as a C1 `user` resource, from the current snapshot.',
      params: UserIdParamsSchema,
      response: {
        200: singleOf(ref(ResourceSchema), 'The user', EXAMPLES.user),
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 404, 503)
      }
    },
    handler: getUser
  })
}

export default plugin

async function getUser (this: FastifyInstance, request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply): Promise<void> {
  const id = checkedId('user', request.params.id)
  sendOne(this, request, reply, { kind: 'user', path: 'users', id, find: (snapshot) => snapshot.resource('user', id) })
}
