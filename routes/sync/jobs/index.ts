/**
 * /sync/jobs — recent sync jobs (start-up, scheduled and API-triggered), newest first, with outcome and duration.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance } from 'fastify'
import { problemResponses } from '#src/plugins/schemas.ts'
import { SyncJobListSchema } from '#src/api/sync-schemas.ts'
import type { SyncJobBody } from '#src/api/sync-schemas.ts'

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['sync'],
      operationId: 'listSyncJobs',
      summary: 'Recent sync jobs',
      description: 'The running job (if any) and the most recent finished ones (bounded history), newest first, ' +
        'each with its status, progress, duration, published syncId or failure reason.',
      response: {
        200: SyncJobListSchema,
        ...problemResponses(401)
      }
    }
  }, listJobs)
}

export default plugin

async function listJobs (this: FastifyInstance): Promise<{ list: SyncJobBody[] }> {
  return { list: this.syncEngine.jobs() as SyncJobBody[] }
}
