/**
 * /sync/jobs/:id — one sync job: poll it after POST /sync until its status is no longer `running`.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { ref } from '#src/c1/model.ts'
import { syncJobNotFound } from '#src/api/sync-responses.ts'
import { problemResponses } from '#src/plugins/schemas.ts'
import { SyncJobParamsSchema, SyncJobSchema } from '#src/api/sync-schemas.ts'
import type { SyncJobBody } from '#src/api/sync-schemas.ts'

const plugin: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/', {
    schema: {
      tags: ['sync'],
      operationId: 'getSyncJob',
      summary: 'One sync job',
      description: 'Status and progress of a sync job (phase, pages done / total, users and groups read, retries, ' +
        'rate-limit waits, elapsed time and estimate). Only a bounded number of finished jobs is kept; older ones answer 404.',
      params: SyncJobParamsSchema,
      response: {
        200: { ...ref(SyncJobSchema), description: 'The job, with its progress (and outcome once finished)' },
        ...problemResponses(400, 401, 404)
      }
    }
  }, getJob)
}

export default plugin

async function getJob (this: FastifyInstance, request: FastifyRequest<{ Params: { id: string } }>): Promise<SyncJobBody> {
  const job = this.syncEngine.job(request.params.id)
  if (job === undefined) {
    throw syncJobNotFound(request.params.id)
  }
  return job as SyncJobBody
}
