/**
 * /health — public probes that read only what this process holds, never Zuora: liveness failing means "restart me",
 * which would not cure an upstream outage; readiness keeps the last good snapshot served until it is too old.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HttpProblem, problemResponses } from '#src/api/problem.ts'
import { readiness, readinessInput, ReadinessSchema } from '#src/api/readiness.ts'

const LiveSchema = Type.Object({
  status: Type.Literal('ok')
}, { description: 'The process is alive', examples: [{ status: 'ok' }] })

const health: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/live', {
    config: { public: true },
    schema: {
      tags: ['operations'],
      operationId: 'getLiveness',
      summary: 'Liveness probe',
      description: 'Always 200 while the process serves requests. Needs no token; never calls Zuora.',
      response: { 200: LiveSchema }
    }
  }, async () => ({ status: 'ok' as const }))
  app.get('/ready', {
    config: { public: true },
    schema: {
      tags: ['operations'],
      operationId: 'getReadiness',
      summary: 'Readiness probe',
      description: '200 when a snapshot is held and younger than SYNC_MAX_AGE_SECONDS; 503 problem+json otherwise ' +
        '(problem type not-ready, with the same fields as extension members). Needs no token; never calls Zuora.',
      response: { 200: ReadinessSchema, ...problemResponses(503) }
    }
  }, async function () {
    const state = readiness(readinessInput(this, Date.now()))
    if (state.ready) return state
    throw new HttpProblem(503, 'Not ready', state.reason, { type: 'not-ready', headers: { 'retry-after': '5' }, extra: state })
  })
}

export default health
