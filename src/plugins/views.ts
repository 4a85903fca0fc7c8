/**
 * `app.views`: the per-snapshot view cache of the lists (filtered user indexes, serialised pages), created with the
 * app and emptied when it closes. Keys carry the syncId, so a new snapshot never sees an older one's pages.
 */
import fp from 'fastify-plugin'
import { createViewCache } from '#src/api/views.ts'

declare module 'fastify' {
  interface FastifyInstance {
    views: ReturnType<typeof createViewCache>
  }
}

export default fp(async (app) => {
  const views = createViewCache()
  app.decorate('views', views)
  app.addHook('onClose', async () => { views.clear() })
}, { name: 'views' })
