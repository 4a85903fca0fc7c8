/**
 * The Zuora-facing routes: the token endpoints, the two SCIM lists, and the gate every request passes first
 * (latency, hostile redirect, rate limit, bearer check, injected faults).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SimulatorControl, StartIndexMode } from './control.ts'
import type { FaultKind, PageRef, RouteName } from './faults.ts'
import type { SimUser } from './org.ts'
import { htmlErrorPage, listEnvelope, renderGroup, renderUser, scimError, statusText, zuoraError, type RenderContext } from './scim-shapes.ts'

const JSON_TYPE = 'application/json; charset=utf-8'
const FORM = 'application/x-www-form-urlencoded'
const gzipAsync = promisify(gzip)

function sendJson (reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(JSON_TYPE).send(typeof body === 'string' ? body : JSON.stringify(body))
}

/** Latency owed by each in-flight request (set by applyLatency, honoured by holdForLatency in onSend). */
const owedLatency = new WeakMap<FastifyRequest, number>()

/**
 * Latency is counted from the request's ARRIVAL: the answer leaves `latencyMs` after the request came in, render
 * included, like a remote service with parallel capacity (sleeping first and rendering after would bunch concurrent
 * requests behind this one thread's renders).
 */
function applyLatency (sim: SimulatorControl, req: FastifyRequest, route: RouteName): void {
  const ms = sim.knobs.latencyMs + (sim.knobs.routeLatencyMs[route] ?? 0)
  if (ms > 0) owedLatency.set(req, ms)
}

/** onSend: holds the answer until `latency` after arrival. */
export async function holdForLatency (req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const left = (owedLatency.get(req) ?? 0) - reply.elapsedTime
  if (left > 0) await sleep(left)
}

/** Sends a 5xx / 429 body in the configured shape. */
function sendError (sim: SimulatorControl, reply: FastifyReply, status: number): void {
  const shape = sim.knobs.errorShape
  if (shape === 'html') reply.code(status).type('text/html').send(htmlErrorPage(status))
  else if (shape === 'zuora') sendJson(reply, status, zuoraError(statusText(status), status === 429 ? '90000070' : '90000060'))
  else sendJson(reply, status, scimError(status, statusText(status)))
}

function tellToWait (sim: SimulatorControl, reply: FastifyReply, seconds: number): void {
  sim.limiter.told(seconds)
  reply.header('retry-after', String(seconds))
}

/** Applies an injected fault; returns true when the request was answered (or its socket destroyed). */
async function applyFault (sim: SimulatorControl, req: FastifyRequest, reply: FastifyReply, kind: FaultKind): Promise<boolean> {
  sim.stats.faultsInjected++
  sim.stats.faultsByKind[kind] = (sim.stats.faultsByKind[kind] ?? 0) + 1
  const retryAfter = sim.knobs.retryAfterSeconds
  switch (kind) {
    case 'slow':
      await sleep(sim.knobs.slowMs)
      return false
    case 'reset':
      reply.hijack()
      req.raw.socket.destroy()
      return true
    case 'malformed':
      reply.code(200).type(JSON_TYPE).send('{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"id":null,"totalResults":12,"resources":[{"schemas":["urn:zuora:sc')
      return true
    case 'html502':
      reply.code(502).type('text/html').send(htmlErrorPage(502))
      return true
    case '429':
      tellToWait(sim, reply, retryAfter)
      reply.header('ratelimit-remaining', '0').header('ratelimit-reset', String(retryAfter))
      break
    case '503':
      tellToWait(sim, reply, retryAfter)
      break
    case '504':
      if (sim.knobs.gatewayTimeoutDelayMs > 0) await sleep(sim.knobs.gatewayTimeoutDelayMs)
  }
  sendError(sim, reply, Number(kind))
  return true
}

/** The SCIM gate: latency, hostile redirect, rate limit, bearer token, injected faults. True: answered. */
async function gate (sim: SimulatorControl, req: FastifyRequest, reply: FastifyReply, route: RouteName, page?: PageRef): Promise<boolean> {
  const arrived = Date.now()
  if (sim.limiter.duringRetryAfter(arrived)) sim.stats.requestsDuringRetryAfter++
  applyLatency(sim, req, route)

  const redirect = sim.knobs.hostile.redirect
  if (redirect !== undefined && redirect !== false) {
    const base = typeof redirect === 'string' ? redirect.replace(/\/$/, '') : 'http://redirect.invalid'
    reply.code(302).header('location', base + req.url).send()
    return true
  }

  const d = sim.limiter.check(arrived)
  if (d !== undefined) {
    reply.header('ratelimit-limit', `${d.limit}, ${d.limit};w=${d.windowSeconds}`)
    reply.header('ratelimit-remaining', String(d.remaining))
    reply.header('ratelimit-reset', String(d.resetSeconds))
    if (!d.allowed) {
      sim.stats.rateLimited++
      tellToWait(sim, reply, d.retryAfterSeconds)
      sendError(sim, reply, 429)
      return true
    }
  }

  const token = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1]
  if (token === undefined || !((sim.tokens.get(token) ?? 0) > Date.now())) {
    sim.stats.unauthorized++
    sendJson(reply, 401, zuoraError('Unauthorized', '90000011'))
    return true
  }

  const kind = sim.faults.decide(route, page)
  return kind !== undefined && await applyFault(sim, req, reply, kind)
}

/** id and secret from `Authorization: Basic base64(urlenc(id):urlenc(secret))`, or undefined. */
function basicClient (header: unknown): { id: string, secret: string } | undefined {
  const m = typeof header === 'string' ? /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header) : null
  if (m === null) return undefined
  const decoded = Buffer.from(m[1], 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  const dec = (s: string): string => new URLSearchParams(`v=${s}`).get('v') ?? ''
  return { id: dec(decoded.slice(0, colon)), secret: dec(decoded.slice(colon + 1)) }
}

const b64url = (value: string | Buffer): string => Buffer.from(value).toString('base64url')

/** The two token styles: REST (opaque hex) and OneID (JWT-looking). */
const TOKEN_STYLES = {
  'oauth.token': {
    ttl: 3599,
    answer: (sim: SimulatorControl, ttl: number) => {
      const token = randomBytes(16).toString('hex')
      const scope = `user.${randomBytes(16).toString('hex')} entity.${sim.organizationId} platform.write service.usage.write tenant.19`
      return { token, body: { access_token: token, token_type: 'bearer', expires_in: Math.floor(ttl), scope, jti: randomUUID() } }
    }
  },
  'oauth2.token': {
    ttl: 3600,
    answer: (sim: SimulatorControl, ttl: number) => {
      const now = Math.floor(Date.now() / 1000)
      const header = { kid: randomUUID(), alg: 'RS256' }
      const payload = { sub: sim.clientId, aud: sim.clientId, nbf: now, scope: ['admin', sim.organizationId], iss: 'http://localhost:9900/oauth2', exp: now + ttl, iat: now, jti: randomUUID() }
      const token = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${b64url(randomBytes(64))}`
      return { token, body: { access_token: token, scope: `admin ${sim.organizationId}`, token_type: 'Bearer', expires_in: Math.floor(ttl) } }
    }
  }
}

/**
 * POST /oauth/token (tenant REST style: 32-hex token, "bearer", 3599 s) and POST /oauth2/token (OneID style:
 * JWT-looking token, "Bearer", 3600 s, scope "admin <orgId>"). Client credentials in the form body (what Zuora
 * documents, zuora-api.md §2), or, with tokenClientAuth 'basic' (the standards flavour), only in an HTTP Basic
 * header (RFC 6749 §2.3.1).
 */
export function oauthRoutes (sim: SimulatorControl) {
  return async function register (app: FastifyInstance): Promise<void> {
    // Token endpoints take form bodies; keep the raw string so a JSON body can be refused explicitly.
    app.addContentTypeParser(FORM, { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })

    const handle = (route: keyof typeof TOKEN_STYLES) => async (req: FastifyRequest, reply: FastifyReply) => {
      sim.stats.tokenRequests++
      applyLatency(sim, req, route)
      if (sim.knobs.tokenRateLimited) {
        reply.header('retry-after', String(sim.knobs.retryAfterSeconds))
        return sendJson(reply, 429, { error: 'rate_limited', error_description: 'Too many token requests' })
      }
      const kind = sim.faults.decide(route)
      if (kind !== undefined && await applyFault(sim, req, reply, kind)) return reply
      const contentType = String(req.headers['content-type'] ?? '')
      if (!contentType.toLowerCase().startsWith(FORM) || typeof req.body !== 'object' || req.body === null) {
        return sendJson(reply, 400, { error: 'invalid_request', error_description: 'Expected application/x-www-form-urlencoded' })
      }
      const form = req.body as Record<string, string | undefined>
      if (form.grant_type !== 'client_credentials') return sendJson(reply, 400, { error: 'unsupported_grant_type' })
      if (sim.knobs.tokenClientAuth === 'basic') {
        const basic = basicClient(req.headers.authorization)
        if (basic === undefined || form.client_secret !== undefined) {
          reply.header('www-authenticate', 'Basic realm="token"')
          return sendJson(reply, 401, { error: 'invalid_client', error_description: 'client authentication must use HTTP Basic (client_secret_basic)' })
        }
        if (basic.id !== sim.clientId || basic.secret !== sim.clientSecret) return sendJson(reply, 401, { error: 'invalid_client' })
      } else if (form.client_id !== sim.clientId || form.client_secret !== sim.clientSecret) {
        return sendJson(reply, 401, { error: 'invalid_client' })
      }
      const ttl = sim.knobs.tokenTtlSeconds ?? TOKEN_STYLES[route].ttl
      sim.stats.tokensIssued++
      const { token, body } = TOKEN_STYLES[route].answer(sim, ttl)
      // keep the token map bounded: drop expired tokens now and then
      const now = Date.now()
      if (sim.tokens.size > 10_000) for (const [t, expiresAt] of sim.tokens) if (expiresAt <= now) sim.tokens.delete(t)
      sim.tokens.set(token, now + ttl * 1000)
      return sendJson(reply, 200, body)
    }
    app.post('/oauth/token', handle('oauth.token'))
    app.post('/oauth2/token', handle('oauth2.token'))
  }
}

function intParam (raw: unknown): number | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined
  const n = Number(raw)
  return Number.isFinite(n) ? Math.trunc(n) : undefined
}

/**
 * The page a list request asks for: startIndex as echoed back (below 1 → 1), the effective count (default, clamp,
 * negative → 0), the 0-based offset of its first item and its 1-based page number (for failPage rules).
 */
export function resolvePage (query: { startIndex?: unknown, count?: unknown }, mode: StartIndexMode, defaultCount: number, maxCount: number) {
  const startIndex = Math.max(1, intParam(query.startIndex) ?? 1)
  const count = Math.min(maxCount, Math.max(0, intParam(query.count) ?? defaultCount))
  if (mode === 'page') return { startIndex, count, from: (startIndex - 1) * count, page: startIndex }
  return { startIndex, count, from: startIndex - 1, page: count > 0 ? Math.floor((startIndex - 1) / count) + 1 : 1 }
}

/** Users listing with duplicates: every 50th user from index 101 re-appears 101 places later. */
function withDuplicates<T> (items: readonly T[]): T[] {
  const out: T[] = []
  for (let i = 0; i < items.length; i++) {
    out.push(items[i])
    const j = i - 101
    if (j >= 0 && j % 50 === 0) out.push(items[j])
  }
  return out
}

const DEEP_MARK = '__SIM_DEEP_NESTING__'

function userJson (sim: SimulatorControl, rctx: RenderContext, u: SimUser, deep: boolean): Record<string, unknown> {
  const out = renderUser(u, rctx)
  const w = sim.knobs.hostile.wrongTypes
  if (w !== undefined && w !== false && (w === true ? u.id.endsWith('0') : w.includes(u.id))) {
    out.roles = u.roles.join(',')
    out.active = 'yes'
  }
  if (deep) out['urn:sim:nested'] = DEEP_MARK
  return out
}

/**
 * /scim/v2: the two lists with Zuora's shapes, paging semantics (zuora-api.md §3.9) and hostile modes. Only what
 * the service reads is simulated: no filters, no single-resource GETs, no discovery documents, no writes (501).
 */
export function scimRoutes (sim: SimulatorControl) {
  return async function register (app: FastifyInstance): Promise<void> {
    app.addHook('onSend', async (req, reply, payload) => {
      if (!sim.knobs.gzip || typeof payload !== 'string' || payload.length <= 1000) return payload
      if (!/\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''))) return payload
      reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').removeHeader('content-length')
      return await gzipAsync(payload)
    })

    const list = (resource: 'users' | 'groups') => async (req: FastifyRequest, reply: FastifyReply) => {
      const q = req.query as Record<string, unknown>
      const k = sim.knobs
      const w = resource === 'users'
        ? resolvePage(q, k.usersStartIndex, k.usersDefaultCount, k.usersMaxCount)
        : resolvePage(q, k.groupsStartIndex, k.groupsDefaultCount, k.groupsMaxCount)
      if (await gate(sim, req, reply, `${resource}.list`, { resource, page: w.page })) return reply
      // the service never filters: a filter is refused rather than ignored
      if (typeof q.filter === 'string' && q.filter.trim() !== '') return sendJson(reply, 400, scimError(400, 'Filters are not simulated', 'invalidFilter'))
      const rc: RenderContext = {
        organizationId: sim.organizationId,
        locationBase: k.locationBase,
        rfc: k.rfcMemberships ? { ancestorsOf: (id: string) => sim.ancestorsOf(id) } : undefined
      }
      const { hugePage = 0, deepNesting = 0, totalResultsLie = 0 } = k.hostile
      let resources: Array<Record<string, unknown>>
      let total: number
      if (resource === 'users') {
        const view = k.hostile.duplicateIds === true ? withDuplicates(sim.users()) : sim.users()
        resources = view.slice(w.from, w.from + w.count).map((u, i) => userJson(sim, rc, u, i === 0 && deepNesting > 0))
        total = view.length
      } else {
        resources = sim.groups().slice(w.from, w.from + w.count).map(g => renderGroup(g, rc))
        total = sim.groups().length
      }
      const paging = k.omitPagingFields ? undefined : { startIndex: w.startIndex, itemsPerPage: w.count }
      const body = listEnvelope(resources, k.listKey, paging, Math.max(0, total + totalResultsLie))
      if (hugePage > 0) body['urn:sim:padding'] = 'x'.repeat(hugePage)
      const json = JSON.stringify(body)
      sim.pageServed(resource)
      return sendJson(reply, 200, deepNesting > 0 ? json.replace(`"${DEEP_MARK}"`, '{"a":'.repeat(deepNesting) + 'null' + '}'.repeat(deepNesting)) : json)
    }
    app.get('/Users', list('users'))
    app.get('/Groups', list('groups'))

    // The service is read-only; writes are not simulated.
    const readOnly = async (req: FastifyRequest, reply: FastifyReply) => {
      if (await gate(sim, req, reply, 'other')) return reply
      return sendJson(reply, 501, scimError(501, 'The Zuora simulator is read-only'))
    }
    for (const url of ['/Users', '/Users/*', '/Groups', '/Groups/*']) {
      app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url, handler: readOnly })
    }

    app.setNotFoundHandler(async (req, reply) => sendJson(reply, 404, scimError(404, `No resource at ${req.url.split('?')[0]}`)))
  }
}
