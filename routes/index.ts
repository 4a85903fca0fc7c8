/**
 * The service's URL map: every route module and the prefix it serves (folders mirror the URL; `_id` = `:id`;
 * status-page is `/`).
 * Listed explicitly rather than autoloaded, so the same map works under tsx, tap and Node's own type stripping.
 */
import type { FastifyPluginAsync } from 'fastify'
import groups from './groups/index.ts'
import group from './groups/_id/index.ts'
import groupEntitlements from './groups/_id/entitlements/index.ts'
import groupGrants from './groups/_id/grants/index.ts'
import healthLive from './health/live/index.ts'
import healthReady from './health/ready/index.ts'
import metrics from './metrics/index.ts'
import resourceTypes from './resource-types/index.ts'
import roles from './roles/index.ts'
import role from './roles/_id/index.ts'
import roleEntitlements from './roles/_id/entitlements/index.ts'
import roleGrants from './roles/_id/grants/index.ts'
import statusPage from './status-page/index.ts'
import sync from './sync/index.ts'
import syncJobs from './sync/jobs/index.ts'
import syncJob from './sync/jobs/_id/index.ts'
import users from './users/index.ts'
import user from './users/_id/index.ts'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const ROUTES: ReadonlyArray<readonly [prefix: string, plugin: FastifyPluginAsync<any>]> = [
  ['', statusPage],
  ['/resource-types', resourceTypes],
  ['/users', users],
  ['/users/:id', user],
  ['/roles', roles],
  ['/roles/:id', role],
  ['/roles/:id/entitlements', roleEntitlements],
  ['/roles/:id/grants', roleGrants],
  ['/groups', groups],
  ['/groups/:id', group],
  ['/groups/:id/entitlements', groupEntitlements],
  ['/groups/:id/grants', groupGrants],
  ['/sync', sync],
  ['/sync/jobs', syncJobs],
  ['/sync/jobs/:id', syncJob],
  ['/health/live', healthLive],
  ['/health/ready', healthReady],
  ['/metrics', metrics]
]

const routes: FastifyPluginAsync = async (app) => {
  for (const [prefix, plugin] of ROUTES) await app.register(plugin, { prefix })
}

export default routes
