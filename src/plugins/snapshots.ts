/**
 * `app.snapshots`: the published snapshots every route reads from (routes never call Zuora).
 */
import fp from 'fastify-plugin'
import { createSnapshotHolder } from '#src/sync/snapshot-holder.ts'
import type { SnapshotHolder } from '#src/sync/snapshot-holder.ts'

declare module 'fastify' {
  interface FastifyInstance {
    snapshots: SnapshotHolder
  }
}

export default fp(async (app) => {
  app.decorate('snapshots', createSnapshotHolder())
}, { name: 'snapshots' })
