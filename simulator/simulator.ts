/**
 * The Zuora simulator: its own Fastify app (token endpoints, SCIM, /_sim control routes) plus a
 * programmatic `control` for tests. `startSimulator()` listens on 127.0.0.1, port 0 by default.
 */
import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import { SimulatorControl, type SimulatorOptions } from './control.ts'
import { controlRoutes } from './control-routes.ts'
import type { RouteName } from './faults.ts'
import { holdForLatency } from './gate.ts'
import { oauthRoutes } from './oauth-routes.ts'
import { scimRoutes } from './scim-routes.ts'

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
