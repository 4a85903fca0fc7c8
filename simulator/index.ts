/**
 * The Zuora simulator (see simulator/README.md): its own Fastify app (token endpoints, SCIM, /_sim control routes)
 * plus a programmatic `control` for tests. `startSimulator()` listens on 127.0.0.1, port 0 by default.
 */
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify'
import { SimulatorControl, type SimulatorOptions } from './control.ts'
import { isFaultKind, type FaultTarget, type RouteName } from './faults.ts'
import { holdForLatency, oauthRoutes, scimRoutes } from './routes.ts'

export { SIM_CLIENT_ID, SIM_CLIENT_SECRET } from './control.ts'
export type { CountersSnapshot, HostileOptions, SimulatorOptions, SimulatorSettings } from './control.ts'
export { DEFAULT_ROLES_POOL, generateOrg } from './org.ts'
export type { SimGroup, SimUser } from './org.ts'
export type { FaultKind, RateLimitOptions } from './faults.ts'

export type RunningSimulator = Awaited<ReturnType<typeof startSimulator>>

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

/** Listens on `host` (127.0.0.1) and `port` (0: a free one). */
export async function startSimulator (options: SimulatorOptions & { host?: string, port?: number } = {}) {
  const control = new SimulatorControl(options)
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
  app.register(async (app) => { controlRoutes(app, control) }, { prefix: '/_sim' })
  const host = options.host ?? '127.0.0.1'
  await app.listen({ host, port: options.port ?? 0 })
  const { port } = app.server.address() as { port: number }
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  /** e.g. http://127.0.0.1:41234 (token: `${url}/oauth/token`, SCIM: `${url}/scim/v2`). */
  const url = `http://${urlHost}:${port}`
  return { app, control, url, close: async () => { await app.close() } }
}

type Req = FastifyRequest<{ Params: { id: string, userId: string } }>

/** /_sim/*: TEST-ONLY control routes (no auth) over `SimulatorControl`; errors answer 400 {error}, no result {ok: true}. */
function controlRoutes (app: FastifyInstance, control: SimulatorControl): void {
  const body = (req: FastifyRequest): Record<string, unknown> => {
    const raw = req.body
    return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw as Record<string, unknown> : {}
  }
  const route = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, fn: (req: Req) => unknown): void => {
    app.route<{ Params: { id: string, userId: string } }>({
      method,
      url,
      handler: async (req, reply) => {
        try {
          return fn(req) ?? { ok: true }
        } catch (err) {
          return reply.code((err as { statusCode?: number }).statusCode ?? 400).send({ error: (err as Error).message })
        }
      }
    })
  }
  const found = <T>(what: string, x: T | undefined): T => {
    if (x === undefined) throw Object.assign(new Error(`no such ${what}`), { statusCode: 404 })
    return x
  }

  route('GET', '/health', () => undefined)
  route('GET', '/counters', () => control.counters())
  route('POST', '/counters/reset', () => control.resetCounters())
  route('GET', '/options', () => control.settings())
  route('POST', '/options', req => {
    control.set(body(req))
    return control.settings()
  })
  route('POST', '/revoke', () => ({ revoked: control.revokeTokens() }))
  route('POST', '/reset', req => {
    const seed = body(req).seed
    control.reset(typeof seed === 'number' || typeof seed === 'string' ? seed : undefined)
  })

  route('POST', '/fail-next', req => {
    const b = body(req)
    if (!isFaultKind(b.kind)) throw new Error('kind must be one of 429 500 502 503 504 reset malformed slow html502')
    control.failNext(typeof b.n === 'number' ? b.n : 1, b.kind, typeof b.target === 'string' ? b.target as FaultTarget : undefined)
  })
  route('POST', '/fail-page', req => {
    const b = body(req)
    if (!isFaultKind(b.kind)) throw new Error('kind must be a fault kind')
    if (b.resource !== 'users' && b.resource !== 'groups') throw new Error("resource must be 'users' or 'groups'")
    if (typeof b.page !== 'number') throw new Error('page must be a number')
    control.failPage({ resource: b.resource, page: b.page, kind: b.kind, times: typeof b.times === 'number' ? b.times : undefined })
  })
  route('POST', '/faults/clear', () => control.clearFaults())

  // directory mutations
  route('GET', '/users/:id', req => found('user', control.user(req.params.id)))
  route('POST', '/users', req => control.addUser(body(req)))
  route('PATCH', '/users/:id', req => control.updateUser(req.params.id, body(req)))
  route('POST', '/users/:id/disable', req => control.disableUser(req.params.id))
  route('DELETE', '/users/:id', req => ({ removed: control.removeUser(req.params.id) }))
  route('PUT', '/users/:id/roles', req => {
    const roles = body(req).roles
    if (!Array.isArray(roles) || !roles.every(x => typeof x === 'string')) throw new Error('roles must be an array of strings')
    return control.setRoles(req.params.id, roles)
  })
  route('GET', '/groups/:id', req => found('group', control.group(req.params.id)))
  route('POST', '/groups', req => control.addGroup(body(req)))
  route('DELETE', '/groups/:id', req => ({ removed: control.removeGroup(req.params.id) }))
  route('POST', '/groups/:id/members', req => {
    const b = body(req)
    if (typeof b.userId !== 'string') throw new Error('userId must be a string')
    control.addMember(req.params.id, b.userId, b.side === 'group' || b.side === 'user' ? b.side : 'both')
  })
  route('DELETE', '/groups/:id/members/:userId', req => control.removeMember(req.params.id, req.params.userId))
}
