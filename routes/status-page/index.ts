/**
 * GET / — the status page for people (HTML, src/api/status-page.ts): the readiness verdict, the snapshot served
 * with its counts and findings, the running sync's progress, the last syncs' outcome and duration, and links.
 * Public like /health/ready: it shows what that probe shows plus job outcomes, durations and aggregate counts;
 * never a user, a token or an error's internals.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply } from 'fastify'
import { statusView } from '#src/api/status-view.ts'
import { renderStatusPage } from '#src/api/status-page.ts'

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { public: true },
    schema: {
      tags: ['operations'],
      operationId: 'getStatusPage',
      summary: 'Status page (HTML)',
      description: 'For people with a browser: the snapshot served (syncId, age, counts of users, roles, groups and grants), ' +
        'the running sync with a progress bar, the last syncs with outcome and duration, the findings, and links to /docs, ' +
        '/openapi.json, /health/ready and /metrics. Needs no token (like /health/ready); shows no user data. Refreshes itself.',
      security: [],
      response: {
        200: {
          description: 'The status page',
          content: { 'text/html': { schema: Type.String() } }
        }
      }
    }
  }, statusPage)
}

export default plugin

async function statusPage (this: FastifyInstance, _request: unknown, reply: FastifyReply): Promise<string> {
  reply.type('text/html; charset=utf-8').header('cache-control', 'no-store')
  return renderStatusPage(statusView(this, Date.now()))
}
