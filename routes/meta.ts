/**
 * What the service says about itself: the status page for people (public, no user data), the resource types, and
 * /metrics (open by default: keep it on an internal network; only METRICS_TOKEN opens it when set, not API tokens).
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { RESOURCE_TYPES } from '#src/c1/mapping.ts'
import { ref, ResourceTypeSchema } from '#src/c1/model.ts'
import { seqFromArray } from '#src/sync/seq.ts'
import { requireMetricsToken } from '#src/api/auth.ts'
import { sendListPage } from '#src/api/paging.ts'
import { ListQuerySchema, NotModifiedResponse, pageOf } from '#src/api/list-query.ts'
import { problemResponses } from '#src/api/problem.ts'
import { renderStatusPage, statusView } from '#src/api/status-page.ts'

const meta: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { public: true },
    schema: {
      tags: ['operations'],
      operationId: 'getStatusPage',
      summary: 'Status page (HTML)',
      description: 'For people with a browser: the snapshot served (syncId, age, counts of users, roles, groups and grants), ' +
        'the running sync with a progress bar, the last syncs with outcome and duration, the findings, and links to /docs, ' +
        '/openapi.json, /health/ready and /metrics. Needs no token (like /health/ready); shows no user data. Refreshes itself.',
      response: {
        200: { description: 'The status page', content: { 'text/html': { schema: Type.String() } } }
      }
    }
  }, async function (_request, reply) {
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store')
    return renderStatusPage(statusView(this, Date.now()))
  })
  app.get('/resource-types', {
    schema: {
      tags: ['resources'],
      operationId: 'listResourceTypes',
      summary: 'List resource types',
      description: '`user` (TRAIT_USER, SkipEntitlementsAndGrants), `role` (TRAIT_ROLE) and `group` (TRAIT_GROUP). ' +
        'Mirrors baton ListResourceTypes. Answered from the current snapshot like every data endpoint (503 before the first one).',
      querystring: ListQuerySchema,
      response: {
        200: pageOf(ref(ResourceTypeSchema), 'The resource types', RESOURCE_TYPES[0]),
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 410, 503)
      }
    }
  }, async function (request, reply) {
    const { pageSize, pageToken } = request.query
    sendListPage(this, request, reply, { scope: 'resource-types', pageSize, pageToken, items: (snapshot) => seqFromArray(snapshot.resourceTypes) })
  })
  app.get('/metrics', {
    config: { public: true },
    onRequest: requireMetricsToken,
    schema: {
      tags: ['operations'],
      operationId: 'getMetrics',
      summary: 'Prometheus metrics',
      description: 'HTTP request durations by route and status, upstream requests by endpoint and status, retries, ' +
        'rate-limit waits, token refreshes, cache hits/misses, sync duration and outcomes, snapshot age and counts, ' +
        'process metrics. Needs `Authorization: Bearer <METRICS_TOKEN>` only when METRICS_TOKEN is set.',
      response: {
        200: { description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: Type.String() } } },
        401: { ...problemResponses(401)[401], description: 'METRICS_TOKEN is set and the request does not carry it as a bearer token' }
      }
    }
  }, async function (_request, reply) {
    const { registry } = this.metrics
    reply.header('content-type', registry.contentType).header('cache-control', 'no-store')
    return await registry.metrics()
  })
}

export default meta
