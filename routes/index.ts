/**
 * The service's URL map: one route module per resource and the prefix it serves (users, roles and groups are one factory,
 * routes/resources.ts). Listed explicitly rather than autoloaded, so the same map works under tsx, tap and
 * Node's own type stripping.
 */
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import health from './health.ts'
import meta from './meta.ts'
import { groups, roles, users } from './resources.ts'
import sync from './sync.ts'

const ROUTES: ReadonlyArray<readonly [prefix: string, plugin: FastifyPluginAsync<any>]> = [
  ['', meta], // /, /resource-types, /metrics
  ['/users', users],
  ['/roles', roles],
  ['/groups', groups],
  ['/sync', sync],
  ['/health', health]
]

/** Encapsulated (each module keeps its own parsers and hooks), registered once the decorators the handlers read exist. */
export default fp(async (app) => {
  for (const [prefix, plugin] of ROUTES) await app.register(plugin, { prefix })
}, { name: 'routes', encapsulate: true, dependencies: ['problem', 'schemas', 'auth', 'metrics', 'snapshots', 'views', 'sync'] })
