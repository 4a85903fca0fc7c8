/**
 * GET /roles — the Zuora role catalog (every value of users' roles[], plus ADMIN and USER) as C1 `role` resources.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { flatRole, FlatRoleSchema } from '#src/c1/flat.ts'
import { ref, ResourceSchema } from '#src/c1/model.ts'
import { sendListPage } from '#src/api/list-page.ts'
import { NotModifiedResponse, pageOf, viewPagesOf, ViewListQuerySchema } from '#src/api/list-query.ts'
import type { ViewListQuery } from '#src/api/list-query.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { EXAMPLES } from '#src/api/examples.ts'

const PAGES = viewPagesOf(pageOf(ref(ResourceSchema), 'A page of roles', EXAMPLES.role), FlatRoleSchema, 'A page of roles', flatRole(EXAMPLES.role))

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['resources'],
      operationId: 'listRoles',
      summary: 'List roles',
      description: 'The role catalog as C1 `role` resources (empty RoleTrait, RawId, member count in profile), sorted by id. ' +
        'A role id is the role value itself (e.g. ADMIN). Zuora\'s catalog is open-ended: it is every value found in users\' ' +
        'roles[] plus ADMIN and USER. Mirrors baton ListResources(role).',
      querystring: ViewListQuerySchema,
      response: {
        200: PAGES.schema,
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 410, 503)
      }
    },
    handler: listRoles
  })
}

export default plugin

async function listRoles (this: FastifyInstance, request: FastifyRequest<{ Querystring: ViewListQuery }>, reply: FastifyReply): Promise<void> {
  const { pageSize, pageToken, view } = request.query
  sendListPage(this, request, reply, { scope: 'roles', pageSize, pageToken, view, flat: flatRole, proto: PAGES.proto, items: (snapshot) => snapshot.roles })
}
