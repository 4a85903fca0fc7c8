/**
 * The service's URL map: one route module per resource and the prefix it serves (roles and groups are one factory,
 * routes/granting-resource.ts). Listed explicitly rather than autoloaded, so the same map works under tsx, tap and
 * Node's own type stripping.
 */
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import groups from './groups.ts'
import health from './health.ts'
import meta from './meta.ts'
import roles from './roles.ts'
import sync from './sync.ts'
import users from './users.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
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
