/**
 * GET /users — Zuora users as C1 `user` resources, in id order, paged and filterable.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { flatUser, FlatUserSchema } from '#src/c1/flat.ts'
import { ref, ResourceSchema } from '#src/c1/model.ts'
import { sendListPage } from '#src/api/list-page.ts'
import { NotModifiedResponse, pageOf, UsersQuerySchema, viewPagesOf } from '#src/api/list-query.ts'
import type { UsersQuery } from '#src/api/list-query.ts'
import { isEmptyFilter, pickSeq, usersScope, views } from '#src/api/views.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { EXAMPLES } from '#src/api/examples.ts'

const PAGES = viewPagesOf(pageOf(ref(ResourceSchema), 'A page of users', EXAMPLES.user), FlatUserSchema, 'A page of users', flatUser(EXAMPLES.user))

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['resources'],
      operationId: 'listUsers',
      summary: 'List users',
      description: 'Zuora users as C1 `user` resources (UserTrait, explicit status, RawId), sorted by id. Mirrors baton ' +
        'ListResources(user). Follow `nextPageToken` until it is ""; every page of a walk comes from the snapshot of its ' +
        'first page. Filters (status, role, q) narrow the walk and are bound into its page tokens.',
      querystring: UsersQuerySchema,
      response: {
        200: PAGES.schema,
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 410, 503)
      }
    },
    handler: listUsers
  })
}

export default plugin

async function listUsers (this: FastifyInstance, request: FastifyRequest<{ Querystring: UsersQuery }>, reply: FastifyReply): Promise<void> {
  const { pageSize, pageToken, view, status, role, q } = request.query
  const filter = { status, role, q }
  sendListPage(this, request, reply, {
    scope: usersScope(filter),
    pageSize,
    pageToken,
    view,
    flat: flatUser,
    proto: PAGES.proto,
    items: (snapshot) => isEmptyFilter(filter)
      ? snapshot.users
      : pickSeq(snapshot.users, views.userIndexes(snapshot.syncId, snapshot.directory.users, filter))
  })
}
