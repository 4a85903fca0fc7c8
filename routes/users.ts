/**
 * /users — Zuora users as C1 `user` resources, in id order, paged and filterable.
 *
 *   GET /users       the list (status, role, q filters; view=flat too)
 *   GET /users/:id   one user
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { flatUser, FlatUserSchema } from '#src/c1/flat.ts'
import { ref, ResourceSchema } from '#src/c1/model.ts'
import { EXAMPLES } from '#src/api/examples.ts'
import { checkedId, sendListPage, sendOne } from '#src/api/paging.ts'
import { NotModifiedResponse, pageOf, singleOf, UserIdParamsSchema, UsersQuerySchema, viewPagesOf } from '#src/api/list-query.ts'
import type { IdParams, UsersQuery } from '#src/api/list-query.ts'
import { problemResponses } from '#src/api/problem.ts'
import { isEmptyFilter, pickSeq, usersScope } from '#src/api/views.ts'

const PAGES = viewPagesOf(pageOf(ref(ResourceSchema), 'A page of users', EXAMPLES.user), FlatUserSchema, 'A page of users', flatUser(EXAMPLES.user))

const users: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['resources'],
      operationId: 'listUsers',
      summary: 'List users',
      description: 'Zuora users as C1 `user` resources (UserTrait, explicit status, RawId), sorted by id. Mirrors baton ' +
        'ListResources(user). Follow `nextPageToken` until it is ""; every page of a walk comes from the snapshot of its ' +
        'first page. Filters (status, role, q) narrow the walk and are bound into its page tokens.',
      querystring: UsersQuerySchema,
      response: { 200: PAGES.schema, 304: NotModifiedResponse, ...problemResponses(400, 401, 410, 503) }
    }
  }, listUsers)
  app.get('/:id', {
    schema: {
      tags: ['resources'],
      operationId: 'getUser',
      summary: 'Get a user',
      description: 'One Zuora user (by its immutable Zuora id) as a C1 `user` resource, from the current snapshot.',
      params: UserIdParamsSchema,
      response: { 200: singleOf(ref(ResourceSchema), 'The user', EXAMPLES.user), 304: NotModifiedResponse, ...problemResponses(400, 401, 404, 503) }
    }
  }, getUser)
}

export default users

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
      : pickSeq(snapshot.users, this.views.userIndexes(snapshot.syncId, snapshot.directory.users, filter))
  })
}

async function getUser (this: FastifyInstance, request: FastifyRequest<{ Params: IdParams }>, reply: FastifyReply): Promise<void> {
  const id = checkedId('user', request.params.id)
  sendOne(this, request, reply, { kind: 'user', path: 'users', id, find: (snapshot) => snapshot.resource('user', id) })
}
