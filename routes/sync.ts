/**
 * /sync — the whole snapshot in C1's shape (c1-model.md §7.2: pages or NDJSON), its diff since an earlier one, and
 * on-demand syncs, which the engine runs, never a request (POST answers 202 with the job to poll).
 */
import { Type } from '@sinclair/typebox'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { ref } from '#src/c1/model.ts'
import { etag, notModified } from '#src/api/etag.ts'
import { DEFAULT_PAGE_SIZE, NotModifiedResponse } from '#src/api/list-query.ts'
import { problemResponses } from '#src/api/problem.ts'
import { currentSnapshot, pageStart } from '#src/api/paging.ts'
import {
  acceptJsonBodiesOnly, badQuery, diffNotAcceptable, diffSince, NDJSON, page, sendJson, sendNdjson, SYNC_SCOPE, syncJobNotFound, syncUnavailable,
  wantsNdjson, SyncDiffSchema, SyncJobListSchema, SyncJobParamsSchema, SyncJobSchema, SyncPageSchema, SyncQuerySchema
} from '#src/api/sync.ts'
import type { SyncQuery } from '#src/api/sync.ts'
import { SyncUnavailableError } from '#src/sync/types.ts'

const sync: FastifyPluginAsyncTypebox = async (app) => {
  acceptJsonBodiesOnly(app)

  app.post('/', {
    schema: {
      tags: ['sync'],
      operationId: 'startSync',
      summary: 'Start a sync (or join the running one)',
      description: 'Reads the whole Zuora directory in the background and publishes a new snapshot only if the read is ' +
        'complete and consistent. Answers at once with the job; poll its Location. When a sync is already running, ' +
        'returns that job instead of starting another. No body is needed (a JSON body is accepted and ignored).',
      response: {
        202: { ...ref(SyncJobSchema), description: 'The job (new or already running); its URL is in Location' },
        ...problemResponses(401, 415, 503)
      }
    }
  }, async function (request, reply) {
    const engine = this.syncEngine
    const joined = engine.running() !== undefined
    let job
    try {
      job = engine.trigger('api')
    } catch (err) {
      throw syncUnavailable(err instanceof SyncUnavailableError ? err : undefined)
    }
    request.log.info({ syncJob: job.id, joined }, joined ? 'sync requested; joined the running one' : 'sync requested')
    reply.code(202).header('location', `/sync/jobs/${job.id}`)
    return job
  })

  app.get('/', {
    schema: {
      tags: ['sync'],
      operationId: 'getSync',
      summary: 'The current snapshot (paged or NDJSON), or the diff since an earlier one',
      description: 'Without `since`: one page of the current snapshot in c1.connector.v2 protojson. Pages cut one sequence ' +
        '(resourceTypes → resources → entitlements → grants, `pageSize` objects each); follow `nextPageToken` until it is "". ' +
        'Every page of a walk comes from the snapshot of its first page, even when a newer one is published meanwhile; ' +
        'when that snapshot is no longer held the token answers 410 and the walk must restart.\n\n' +
        'With `Accept: application/x-ndjson`: the whole snapshot as one stream, a header line `{"snapshot":…}`, one line per object ' +
        '(`{"resourceType":…}`, `{"resource":…}`, `{"entitlement":…}`, `{"grant":…}`) and a last line `{"end":{"syncId","items"}}`; ' +
        'a stream without that line is incomplete and must not be used as a full sync.\n\n' +
        'With `since=<syncId>`: the upserts and deletions from that snapshot to the current one (empty when it is the current one); ' +
        '410 when it is no longer held: do a full read.',
      querystring: SyncQuerySchema,
      response: {
        200: {
          description: 'A page of the snapshot, the NDJSON stream, or (with since) the diff',
          content: {
            'application/json': { schema: Type.Union([ref(SyncPageSchema), ref(SyncDiffSchema)]) },
            [NDJSON]: { schema: Type.String({ description: 'Newline-delimited JSON, one object per line' }) }
          }
        },
        304: NotModifiedResponse,
        ...problemResponses(400, 401, 406, 503),
        410: { ...problemResponses(410)[410], description: 'The snapshot of the pageToken or of `since` is no longer held: restart the walk, or do a full read instead of the diff' }
      }
    }
  }, getSync)

  app.get('/jobs', {
    schema: {
      tags: ['sync'],
      operationId: 'listSyncJobs',
      summary: 'Recent sync jobs',
      description: 'The running job (if any) and the most recent finished ones (bounded history), newest first, ' +
        'each with its status, progress, duration, published syncId or failure reason.',
      response: { 200: SyncJobListSchema, ...problemResponses(401) }
    }
  }, async function () {
    return { list: [...this.syncEngine.jobs()] }
  })

  app.get('/jobs/:id', {
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
  }, async function (request) {
    const job = this.syncEngine.job(request.params.id)
    if (job === undefined) throw syncJobNotFound(request.params.id)
    return job
  })
}

export default sync

/**
 * Each answer is awaited (a reply is a thenable that settles once written): Fastify must not answer again
 * while the NDJSON stream still flows after this handler returns.
 */
async function getSync (this: FastifyInstance, request: FastifyRequest<{ Querystring: SyncQuery }>, reply: FastifyReply): Promise<void> {
  const { pageSize = DEFAULT_PAGE_SIZE, pageToken, since } = request.query
  const ndjson = wantsNdjson(request)
  if (since !== undefined) {
    if (pageToken !== undefined) throw badQuery('pageToken', 'since and pageToken cannot be combined: the diff is not paged.')
    if (ndjson) throw diffNotAcceptable()
    const diff = diffSince(this, since)
    const tag = etag(diff.toSyncId, 'sync-diff', diff.fromSyncId)
    if (!notModified(request, reply, tag)) await sendJson(reply, diff)
  } else if (ndjson) {
    if (pageToken !== undefined) throw badQuery('pageToken', 'The NDJSON stream is the whole snapshot; it takes no pageToken.')
    const snapshot = currentSnapshot(this)
    const tag = etag(snapshot.syncId, 'sync-ndjson')
    if (!notModified(request, reply, tag)) await sendNdjson(reply, snapshot)
  } else {
    const { snapshot, offset } = pageStart(this, SYNC_SCOPE, pageToken)
    const tag = etag(snapshot.syncId, 'sync-page', String(offset), String(pageSize))
    if (!notModified(request, reply, tag)) await sendJson(reply, page(snapshot, offset, pageSize))
  }
}
