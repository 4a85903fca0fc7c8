/**
 * `app.snapshots`: the published snapshots every route reads from (routes never call Zuora); `app.views`: their
 * per-snapshot view cache (filtered user indexes, serialised pages), emptied when the app closes. Cache keys carry
 * the syncId, so a new snapshot never sees an older one's pages.
 */
import fp from 'fastify-plugin'
import { createViewCache } from '#src/api/views.ts'
import { createSnapshotHolder } from '#src/sync/snapshot-holder.ts'
import type { SnapshotHolder } from '#src/sync/snapshot-holder.ts'

declare module 'fastify' {
  interface FastifyInstance {
    snapshots: SnapshotHolder
    views: ReturnType<typeof createViewCache>
  }
}

export default fp(async (app) => {
  const views = createViewCache()
  app.decorate('snapshots', createSnapshotHolder())
  app.decorate('views', views)
  app.addHook('onClose', async () => { views.clear() })
}, { name: 'snapshots' })
