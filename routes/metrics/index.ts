/**
 * /metrics — Prometheus text exposition of this process's registry (app.metrics.registry).
 * Open by default (keep it on an internal network); with METRICS_TOKEN set it requires `Authorization: Bearer <METRICS_TOKEN>`.
 * API tokens do not open it, and the metrics token opens nothing else.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { metricsUnauthorized } from '#src/plugins/auth.ts'
import { problemResponses } from '#src/plugins/schemas.ts'

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
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
        200: {
          description: 'Prometheus text format 0.0.4',
          content: { 'text/plain': { schema: Type.String() } }
        },
        401: { ...problemResponses(401)[401], description: 'METRICS_TOKEN is set and the request does not carry it as a bearer token' }
      }
    }
  }, metrics)
}

export default plugin

async function metrics (this: FastifyInstance, _request: FastifyRequest, reply: FastifyReply): Promise<string> {
  const { registry } = this.metrics
  const body = await registry.metrics()
  reply.header('content-type', registry.contentType)
  reply.header('cache-control', 'no-store')
  return body
}

async function requireMetricsToken (this: FastifyInstance, request: FastifyRequest): Promise<void> {
  const expected = this.config.auth.metricsToken
  if (expected === undefined) return
  const presented = bearerToken(request.headers.authorization)
  if (presented !== undefined && sameSecret(presented, expected.reveal())) return
  throw metricsUnauthorized(presented === undefined)
}

function bearerToken (header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '')
  return match?.[1]
}

/** Constant time whatever the lengths: compares SHA-256 digests. */
function sameSecret (presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}
