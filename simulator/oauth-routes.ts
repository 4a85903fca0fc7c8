/**
 * Token endpoints: POST /oauth/token (tenant REST style: 32-hex token, "bearer", 3599 s) and
 * POST /oauth2/token (OneID style: JWT-looking token, "Bearer", 3600 s, scope "admin <orgId>").
 * Client credentials in the form body (what Zuora documents, zuora-api.md §2), or, with the knob
 * tokenClientAuth 'basic' (the standards flavour), only in an HTTP Basic header (RFC 6749 §2.3.1).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SimulatorControl } from './control.ts'
import { applyFault, applyLatency, sendJson } from './gate.ts'

const FORM = 'application/x-www-form-urlencoded'

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
const STYLES = {
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

export function oauthRoutes (sim: SimulatorControl) {
  return async function register (app: FastifyInstance): Promise<void> {
    // Token endpoints take form bodies; keep the raw string so a JSON body can be refused explicitly.
    app.addContentTypeParser(FORM, { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })

    const handle = (route: keyof typeof STYLES) => async (req: FastifyRequest, reply: FastifyReply) => {
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
      const ttl = sim.knobs.tokenTtlSeconds ?? STYLES[route].ttl
      sim.stats.tokensIssued++
      const { token, body } = STYLES[route].answer(sim, ttl)
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
