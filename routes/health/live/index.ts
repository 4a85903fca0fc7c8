/**
 * /health/live — the process is up and its event loop answers. Never looks at Zuora or at the snapshot:
 * a liveness failure means "restart me", which would not cure an upstream outage.
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'

export const LiveSchema = Type.Object({
  status: Type.Literal('ok')
}, { description: 'The process is alive', examples: [{ status: 'ok' }] })

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    config: { public: true },
    schema: {
      tags: ['operations'],
      operationId: 'getLiveness',
      summary: 'Liveness probe',
      description: 'Always 200 while the process serves requests. Needs no token; never calls Zuora.',
      security: [],
      response: { 200: LiveSchema }
    }
  }, live)
}

export default plugin

async function live (): Promise<{ status: 'ok' }> {
  return { status: 'ok' }
}
