/**
 * /health/ready — should a load balancer send traffic here? Yes (200) when a snapshot is held and it is not older
 * than SYNC_MAX_AGE_SECONDS; otherwise 503 problem+json. Reads only what this process holds: never calls Zuora
 * (an upstream outage keeps the last good snapshot served until it is too old).
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { HttpProblem } from '#src/api/problem.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { readiness, readinessInput, ReadinessSchema } from '#src/api/readiness.ts'
import type { Readiness } from '#src/api/readiness.ts'

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { public: true },
    schema: {
      tags: ['operations'],
      operationId: 'getReadiness',
      summary: 'Readiness probe',
      description: '200 when a snapshot is held and younger than SYNC_MAX_AGE_SECONDS; 503 problem+json otherwise ' +
        '(problem type not-ready, with the same fields as extension members). Needs no token; never calls Zuora.',
      security: [],
      response: {
        200: ReadinessSchema,
        ...problemResponses(503)
      }
    }
  }, ready)
}

export default plugin

async function ready (this: FastifyInstance): Promise<Readiness> {
  const state = readiness(readinessInput(this, Date.now()))
  if (state.ready) return state
  throw new HttpProblem(503, 'Not ready', state.reason, {
    type: 'not-ready',
    headers: { 'retry-after': '5' },
    extra: state
  })
}
