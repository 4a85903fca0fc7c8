/**
 * The Zuora simulator: its own Fastify app (token endpoints, SCIM, /_sim control routes) plus a
 * programmatic `control` for tests. `startSimulator()` listens on 127.0.0.1, port 0 by default.
 */
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyServerOptions } from 'fastify'
import { DEFAULT_KNOBS, pickKnobs, SIM_CLIENT_ID, SIM_CLIENT_SECRET, SimulatorControl, validateKnobs, type SimulatorKnobs, type SimulatorSettings } from './control.ts'
import { controlRoutes } from './control-routes.ts'
import type { RouteName } from './faults.ts'
import { holdForLatency } from './gate.ts'
import { oauthRoutes } from './oauth-routes.ts'
import { generateOrg, type GeneratedOrg } from './org.ts'
import type { Seed } from './random.ts'
import { scimRoutes } from './scim-routes.ts'

/**
 * The standards flavour: capital `Resources`, item-index Groups, a Basic-only token endpoint, RFC 7643 typed
 * memberships (indirect groups[] entries, nested groups), and a page-size cap below the client's count (100).
 */
const FLAVORS: Record<'zuora' | 'standard', Partial<SimulatorKnobs>> = {
  zuora: {},
  standard: { listKey: 'Resources', groupsStartIndex: 'item', usersMaxCount: 50, groupsMaxCount: 40, groupsDefaultCount: 100, tokenClientAuth: 'basic', rfcMemberships: true }
}

export interface SimulatorOptions extends SimulatorSettings {
  /**
   * 'zuora' (default): Zuora as documented. 'standard': a plain RFC 7643/7644 server (see FLAVORS) whose
   * generated org also has nested groups. Explicit knobs override the flavour's.
   */
  flavor?: keyof typeof FLAVORS
  /** Org size and seed (defaults 250 users, 12 groups, seed 1). Ignored when `org` is given. */
  users?: number
  groups?: number
  seed?: Seed
  rolesPool?: readonly string[]
  /** A pre-generated org (it is mutated by the simulator). */
  org?: GeneratedOrg
  clientId?: string
  clientSecret?: string
  /** Fastify logger option (default false). */
  logger?: FastifyServerOptions['logger']
  /** Serve /_sim/* (default true). */
  controlRoutes?: boolean
}

export type RunningSimulator = ReturnType<typeof buildSimulator> & {
  /** e.g. http://127.0.0.1:41234 (token: `${url}/oauth/token`, SCIM: `${url}/scim/v2`). */
  url: string
  close(): Promise<void>
}

const ROUTES: Record<string, RouteName> = {
  '/oauth/token': 'oauth.token',
  '/oauth2/token': 'oauth2.token',
  '/scim/v2/Users': 'users.list',
  '/scim/v2/Groups': 'groups.list'
}

/** The counters' name of a request: token routes count POSTs, SCIM routes GETs, everything else is 'other'. */
function routeName (method: string, url: string | undefined): RouteName {
  const r = url === undefined ? undefined : ROUTES[url]
  return r !== undefined && method === (r.startsWith('oauth') ? 'POST' : 'GET') ? r : 'other'
}

export function buildSimulator (options: SimulatorOptions = {}) {
  const flavor = options.flavor ?? 'zuora'
  if (flavor !== 'zuora' && flavor !== 'standard') throw new Error('flavor must be \'zuora\' or \'standard\'')
  const knobs: SimulatorKnobs = { ...DEFAULT_KNOBS, ...FLAVORS[flavor], ...pickKnobs(options) }
  validateKnobs(knobs)
  const orgOptions = { users: options.users, groups: options.groups, seed: options.seed ?? 1, rolesPool: options.rolesPool, nestedGroups: flavor === 'standard' }
  const org = options.org ?? generateOrg(orgOptions)
  const sizes = { users: org.users.length, groups: org.groups.length }
  const control = new SimulatorControl({
    org,
    regenerate: (seed) => generateOrg({ ...orgOptions, ...sizes, seed: seed ?? orgOptions.seed }),
    knobs,
    rateLimit: options.rateLimit,
    faults: options.faults,
    clientId: options.clientId ?? SIM_CLIENT_ID,
    clientSecret: options.clientSecret ?? SIM_CLIENT_SECRET
  })

  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true })
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/_sim/')) return
    const route = routeName(req.method, req.routeOptions.url)
    const stats = control.stats
    stats.totalRequests++
    stats.maxConcurrent = Math.max(stats.maxConcurrent, ++stats.inFlight)
    reply.raw.once('close', () => {
      const now = control.stats
      now.inFlight = Math.max(0, now.inFlight - 1)
      const status = String(reply.raw.writableFinished ? reply.raw.statusCode : 'reset')
      const byStatus = now.requests[route] ??= {}
      byStatus[status] = (byStatus[status] ?? 0) + 1
    })
    reply.header('zuora-request-id', randomUUID())
    const track = req.headers['zuora-track-id']
    if (typeof track === 'string') reply.header('zuora-track-id', track)
  })
  app.addHook('onSend', holdForLatency)

  app.register(oauthRoutes(control))
  app.register(scimRoutes(control), { prefix: '/scim/v2' })
  if (options.controlRoutes !== false) app.register(controlRoutes(control), { prefix: '/_sim' })
  return { app, control }
}

export async function startSimulator (options: SimulatorOptions & { host?: string, port?: number } = {}): Promise<RunningSimulator> {
  const { app, control } = buildSimulator(options)
  const host = options.host ?? '127.0.0.1'
  await app.listen({ host, port: options.port ?? 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.port
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return { app, control, url: `http://${urlHost}:${port}`, close: () => app.close() }
}
