/**
 * The Zuora simulator: its own Fastify app (token endpoints, SCIM, /_sim control routes) plus a
 * programmatic `control` for tests. `startSimulator()` listens on 127.0.0.1, port 0 by default.
 */
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import {
  DEFAULT_KNOBS, SIM_CLIENT_ID, SIM_CLIENT_SECRET, STANDARD_KNOBS,
  type HostileOptions, type SimContext, type SimFlavor, type SimulatorKnobs
} from './context.ts'
import type { CurrentSettings, SimulatorControl, SimulatorSettings } from './control.ts'
import { controlRoutes } from './control-routes.ts'
import { FaultEngine, RateLimiter } from './faults.ts'
import { holdForLatency } from './gate.ts'
import { generateOrg, type GeneratedOrg } from './org.ts'
import { oauthRoutes } from './oauth-routes.ts'
import type { Seed } from './random.ts'
import { scimRoutes } from './scim-routes.ts'
import {
  Counters, Directory, TokenStore,
  type RouteName
} from './state.ts'

export type { CurrentSettings, SimulatorControl, SimulatorSettings } from './control.ts'

export interface SimulatorOptions extends SimulatorSettings {
  /**
   * 'zuora' (default): Zuora as documented. 'standard': a plain RFC 7643/7644 server (see STANDARD_KNOBS) whose
   * generated org also has nested groups. Explicit knobs override the flavour's.
   */
  flavor?: SimFlavor
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

export interface BuiltSimulator {
  app: FastifyInstance
  control: SimulatorControl
}

export interface RunningSimulator extends BuiltSimulator {
  /** e.g. http://127.0.0.1:41234 (token: `${url}/oauth/token`, SCIM: `${url}/scim/v2`). */
  url: string
  close(): Promise<void>
}

const KNOB_KEYS = Object.keys(DEFAULT_KNOBS) as Array<keyof SimulatorKnobs>

function pickKnobs (s: SimulatorSettings): Partial<SimulatorKnobs> {
  const out: Partial<SimulatorKnobs> = {}
  for (const k of KNOB_KEYS) {
    if (s[k] !== undefined) (out as Record<string, unknown>)[k] = s[k]
  }
  return out
}

function validateKnobs (k: SimulatorKnobs): void {
  if (k.listKey !== 'resources' && k.listKey !== 'Resources') throw new Error(`listKey must be 'resources' or 'Resources'`)
  for (const key of ['usersStartIndex', 'groupsStartIndex'] as const) {
    if (k[key] !== 'item' && k[key] !== 'page') throw new Error(`${key} must be 'item' or 'page'`)
  }
  if (!['scim', 'zuora', 'html'].includes(k.errorShape)) throw new Error(`errorShape must be 'scim', 'zuora' or 'html'`)
  if (k.tokenClientAuth !== 'post' && k.tokenClientAuth !== 'basic') throw new Error(`tokenClientAuth must be 'post' or 'basic'`)
  if (typeof k.rfcMemberships !== 'boolean') throw new Error('rfcMemberships must be a boolean')
  for (const key of ['usersDefaultCount', 'usersMaxCount', 'groupsDefaultCount', 'groupsMaxCount', 'retryAfterSeconds'] as const) {
    if (!Number.isInteger(k[key]) || k[key] < 0) throw new Error(`${key} must be a non-negative integer`)
  }
  for (const key of ['latencyMs', 'slowMs', 'gatewayTimeoutDelayMs'] as const) {
    if (typeof k[key] !== 'number' || !(k[key] >= 0)) throw new Error(`${key} must be a number >= 0`)
  }
  if (k.tokenTtlSeconds !== null && (typeof k.tokenTtlSeconds !== 'number' || !(k.tokenTtlSeconds >= 0))) {
    throw new Error('tokenTtlSeconds must be null or a number >= 0')
  }
  if (typeof k.hostile !== 'object' || k.hostile === null) throw new Error('hostile must be an object')
  if (typeof k.routeLatencyMs !== 'object' || k.routeLatencyMs === null) throw new Error('routeLatencyMs must be an object')
}

const ROUTES: Record<string, RouteName> = {
  '/oauth/token': 'oauth.token',
  '/oauth2/token': 'oauth2.token',
  '/scim/v2/Users': 'users.list',
  '/scim/v2/Users/:id': 'users.get',
  '/scim/v2/Groups': 'groups.list',
  '/scim/v2/Groups/:id': 'groups.get',
  '/scim/v2/ServiceProviderConfig': 'discovery',
  '/scim/v2/ResourceTypes': 'discovery',
  '/scim/v2/ResourceTypes/:id': 'discovery',
  '/scim/v2/Schemas': 'discovery',
  '/scim/v2/Schemas/:id': 'discovery'
}

function routeName (method: string, url: string | undefined): RouteName {
  const r = url === undefined ? undefined : ROUTES[url]
  if (r === undefined) return 'other'
  if (r.startsWith('oauth')) return method === 'POST' ? r : 'other'
  return method === 'GET' ? r : 'other'
}

export function buildSimulator (options: SimulatorOptions = {}): BuiltSimulator {
  const flavor = options.flavor ?? 'zuora'
  if (flavor !== 'zuora' && flavor !== 'standard') throw new Error(`flavor must be 'zuora' or 'standard'`)
  const initialKnobs: SimulatorKnobs = { ...DEFAULT_KNOBS, ...(flavor === 'standard' ? STANDARD_KNOBS : {}), ...pickKnobs(options) }
  validateKnobs(initialKnobs)
  const orgOptions = { users: options.users, groups: options.groups, seed: options.seed ?? 1, rolesPool: options.rolesPool, nestedGroups: flavor === 'standard' }
  const org = options.org ?? generateOrg(orgOptions)
  const sizes = { users: org.users.length, groups: org.groups.length }

  const ctx: SimContext = {
    knobs: { ...initialKnobs },
    dir: new Directory(org),
    tokens: new TokenStore(),
    counters: new Counters(),
    faults: new FaultEngine(),
    limiter: new RateLimiter(),
    clientId: options.clientId ?? SIM_CLIENT_ID,
    clientSecret: options.clientSecret ?? SIM_CLIENT_SECRET,
    pageHooks: []
  }
  ctx.limiter.configure(options.rateLimit)
  ctx.faults.configure(options.faults)

  const set = (s: SimulatorSettings): void => {
    const next = { ...ctx.knobs, ...pickKnobs(s) }
    validateKnobs(next)
    if (s.rateLimit !== undefined) ctx.limiter.configure(s.rateLimit)
    if (s.faults !== undefined) ctx.faults.configure(s.faults)
    ctx.knobs = next
  }

  const control: SimulatorControl = {
    clientId: ctx.clientId,
    clientSecret: ctx.clientSecret,
    get organizationId () { return ctx.dir.organizationId },
    set,
    settings: () => structuredClone({ ...ctx.knobs, rateLimit: ctx.limiter.options, faults: ctx.faults.options }) as CurrentSettings,
    counters: () => ctx.counters.snapshot(),
    resetCounters: () => {
      ctx.counters.reset()
      ctx.limiter.resetTracking()
    },
    revokeTokens: () => ctx.tokens.revokeAll(),
    failNext: (n, kind, target) => ctx.faults.failNext(n, kind, target),
    failPage: (rule) => ctx.faults.failPage(rule),
    clearFaults: () => ctx.faults.clear(),
    mutateAfterPages: (n, fn) => {
      const served = ctx.counters.pagesServed.users + ctx.counters.pagesServed.groups
      ctx.pageHooks.push({ at: served + Math.max(1, Math.trunc(n)), fn: () => fn(control) })
    },
    users: () => ctx.dir.users,
    groups: () => ctx.dir.groups,
    user: (id) => ctx.dir.userById.get(id),
    group: (id) => ctx.dir.groupById.get(id),
    addUser: (input) => ctx.dir.addUser(input),
    updateUser: (id, patch) => ctx.dir.updateUser(id, patch),
    disableUser: (id) => ctx.dir.disableUser(id),
    removeUser: (id) => ctx.dir.removeUser(id),
    setRoles: (id, roles) => ctx.dir.setRoles(id, roles),
    addGroup: (input) => ctx.dir.addGroup(input),
    updateGroup: (id, patch) => ctx.dir.updateGroup(id, patch),
    removeGroup: (id) => ctx.dir.removeGroup(id),
    addMember: (g, u, side) => ctx.dir.addMember(g, u, side),
    removeMember: (g, u, side) => ctx.dir.removeMember(g, u, side),
    reset: (seed) => {
      ctx.dir.replace(generateOrg({ ...orgOptions, ...sizes, seed: seed ?? orgOptions.seed }))
      ctx.knobs = { ...initialKnobs }
      ctx.limiter.configure(options.rateLimit)
      ctx.limiter.resetTracking()
      ctx.faults.clear()
      ctx.faults.configure(options.faults)
      ctx.pageHooks = []
      ctx.counters.reset()
    }
  }

  const app = Fastify({ logger: options.logger ?? false, forceCloseConnections: true })

  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/_sim/')) return
    const route = routeName(req.method, req.routeOptions.url)
    ctx.counters.begin()
    reply.raw.once('close', () => {
      ctx.counters.end(route, reply.raw.writableFinished ? reply.raw.statusCode : 'reset')
    })
    reply.header('zuora-request-id', randomUUID())
    const track = req.headers['zuora-track-id']
    if (typeof track === 'string') reply.header('zuora-track-id', track)
  })

  app.addHook('onSend', async (req, reply) => { await holdForLatency(req, reply) })

  app.register(oauthRoutes(ctx))
  app.register(scimRoutes(ctx), { prefix: '/scim/v2' })
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
  return {
    app,
    control,
    url: `http://${urlHost}:${port}`,
    close: () => app.close()
  }
}

export type { HostileOptions }
