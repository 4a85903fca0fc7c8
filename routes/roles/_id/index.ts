/**
 * GET /roles/:id — one role (the id is the role value, URL-encoded).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ref, ResourceSchema } from '#src/c1/model.ts'
import { checkedId, sendOne } from '#src/api/list-page.ts'
import { RoleIdParamsSchema, NotModifiedResponse, singleOf } from '#src/api/list-query.ts'
import type { IdParams } from '#src/api/list-query.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { EXAMPLES } from '#src/api/examples.ts'

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['resources'],
      operationId: 'getRole',
      summary: 'Get a role',
      description: 'One role as a C1 `role` resource. The id is the role value (e.g. ADMIN), URL-encoded in the path; ' +
        'a value that cannot be a C1 id (containing \':\', \'/\', \'\\\', control characters, edge spaces, over 1024 bytes) is refused with 400.',
      params: RoleIdParamsSchema,
      response: {
        200: singleOf(ref(ResourceSchema), 'The role', EXAMPLES.role),
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 404, 503)
      }
    },
    handler: getRole
  })
}

export default plugin

async function getRole (this: FastifyInstance, request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply): Promise<void> {
  const id = checkedId('role', request.params.id)
  sendOne(this, request, reply, { kind: 'role', path: 'roles', id, find: (snapshot) => snapshot.resource('role', id) })
}
