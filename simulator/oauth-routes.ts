/**
 * Token endpoints: POST /oauth/token (tenant REST style: 32-hex token, "bearer", 3599 s) and
 * POST /oauth2/token (OneID style: JWT-looking token, "Bearer", 3600 s, scope "admin <orgId>").
 * Client credentials in the form body (what Zuora documents, zuora-api.md §2), or, with the knob
 * tokenClientAuth 'basic' (the standards flavour), only in an HTTP Basic header (RFC 6749 §2.3.1).
 */
import { randomBytes, randomUUID } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sendJson, type SimContext } from './context.ts'
import { applyFault, applyLatency } from './gate.ts'
import type { RouteName } from './state.ts'

const FORM = 'application/x-www-form-urlencoded'

/** id and secret from `Authorization: Basic base64(urlenc(id):urlenc(secret))`, or undefined. */
export function basicClient (header: unknown): { id: string, secret: string } | undefined {
  if (typeof header !== 'string') return undefined
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header)
  if (m === null) return undefined
  const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8')
  const colon = decoded.indexOf(':')
  if (colon < 0) return undefined
  const dec = (s: string): string => new URLSearchParams(`v=${s}`).get('v') ?? ''
  return { id: dec(decoded.slice(0, colon)), secret: dec(decoded.slice(colon + 1)) }
}

function b64url (value: string | Buffer): string {
  return Buffer.from(value).toString('base64url')
}

function oneIdToken (clientId: string, orgId: string, ttl: number): string {
  const now = Math.floor(Date.now() / 1000)
  const header = { kid: randomUUID(), alg: 'RS256' }
  const payload = {
    sub: clientId,
    aud: clientId,
    nbf: now,
    scope: ['admin', orgId],
    iss: 'http://localhost:9900/oauth2',
    exp: now + ttl,
    iat: now,
    jti: randomUUID()
  }
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}.${b64url(randomBytes(64))}`
}

export function oauthRoutes (ctx: SimContext) {
  return async function register (app: FastifyInstance): Promise<void> {
    // Token endpoints take form bodies; keep the raw string so a JSON body can be refused explicitly.
    app.addContentTypeParser(FORM, { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)))
    })

    const handle = (route: RouteName, style: 'rest' | 'oneid') => async (req: FastifyRequest, reply: FastifyReply) => {
      ctx.counters.tokenRequests++
      applyLatency(ctx, req, route)
      if (ctx.knobs.tokenRateLimited) {
        reply.header('retry-after', String(ctx.knobs.retryAfterSeconds))
        return sendJson(reply, 429, { error: 'rate_limited', error_description: 'Too many token requests' })
      }
      const kind = ctx.faults.decide(route)
      if (kind !== undefined && await applyFault(ctx, req, reply, kind)) return reply
      const contentType = String(req.headers['content-type'] ?? '')
      if (!contentType.toLowerCase().startsWith(FORM) || typeof req.body !== 'object' || req.body === null) {
        return sendJson(reply, 400, { error: 'invalid_request', error_description: 'Expected application/x-www-form-urlencoded' })
      }
      const form = req.body as Record<string, string | undefined>
      if (form.grant_type !== 'client_credentials') return sendJson(reply, 400, { error: 'unsupported_grant_type' })
      if (ctx.knobs.tokenClientAuth === 'basic') {
        const basic = basicClient(req.headers.authorization)
        if (basic === undefined || form.client_secret !== undefined) {
          reply.header('www-authenticate', 'Basic realm="token"')
          return sendJson(reply, 401, { error: 'invalid_client', error_description: 'client authentication must use HTTP Basic (client_secret_basic)' })
        }
        if (basic.id !== ctx.clientId || basic.secret !== ctx.clientSecret) return sendJson(reply, 401, { error: 'invalid_client' })
      } else if (form.client_id !== ctx.clientId || form.client_secret !== ctx.clientSecret) {
        return sendJson(reply, 401, { error: 'invalid_client' })
      }
      const ttl = ctx.knobs.tokenTtlSeconds ?? (style === 'rest' ? 3599 : 3600)
      ctx.counters.tokensIssued++
      if (style === 'rest') {
        const token = randomBytes(16).toString('hex')
        ctx.tokens.issue(token, ttl, style)
        return sendJson(reply, 200, {
          access_token: token,
          token_type: 'bearer',
          expires_in: Math.floor(ttl),
          scope: `user.${randomBytes(16).toString('hex')} entity.${ctx.dir.organizationId} platform.write service.usage.write tenant.19`,
          jti: randomUUID()
        })
      }
      const token = oneIdToken(ctx.clientId, ctx.dir.organizationId, ttl)
      ctx.tokens.issue(token, ttl, style)
      return sendJson(reply, 200, {
        access_token: token,
        scope: `admin ${ctx.dir.organizationId}`,
        token_type: 'Bearer',
        expires_in: Math.floor(ttl)
      })
    }

    app.post('/oauth/token', handle('oauth.token', 'rest'))
    app.post('/oauth2/token', handle('oauth2.token', 'oneid'))
  }
}
