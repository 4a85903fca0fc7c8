/**
 * API token check: `Authorization: Bearer <token>` against API_TOKENS, compared in constant time by
 * @fastify/bearer-auth, in an onRequest hook (before any body is read). Public routes (`config.public`) and
 * unknown paths (404/405 answers reveal nothing /openapi.json does not) pass; AUTH_DISABLED=true lets everything
 * pass and says so in the log. Failures are 401 problems with WWW-Authenticate; the presented token is never echoed.
 */
import bearerAuth from '@fastify/bearer-auth'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import fp from 'fastify-plugin'
import { HttpProblem } from '#src/api/problem.ts'

export const AUTH_REALM = 'zuora-c1-facade'

export default fp(async (app) => {
  if (app.config.auth.disabled) {
    app.log.warn('AUTH_DISABLED=true: every endpoint is served without an API token; use this for local development only')
    return
  }
  await app.register(bearerAuth, {
    keys: app.config.auth.tokens.map(t => t.reveal()),
    addHook: false,
    // The scheme name is case-insensitive (RFC 9110 §11.1); bearer-auth calls that mode 'rfc6749'.
    specCompliance: 'rfc6749',
    verifyErrorLogLevel: 'debug'
  })
  app.addHook('onRequest', createAuthHook(app))
}, { name: 'auth', dependencies: ['problem'] })

export function createAuthHook (app: FastifyInstance) {
  const verify = app.verifyBearerAuth
  if (verify === undefined) throw new Error('@fastify/bearer-auth did not decorate verifyBearerAuth')
  return function authenticate (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    if (request.routeOptions.config?.public === true || request.is404) {
      done()
      return
    }
    verify(request, reply, (err) => {
      if (err === undefined) done()
      else done(unauthorized(err as FastifyError))
    })
  }
}

/** 401 problem for a bearer-auth failure: missing header, or a token that is not one of ours. */
export function unauthorized (err: Pick<FastifyError, 'code'>): HttpProblem {
  const missing = err.code === 'FST_BEARER_AUTH_MISSING_AUTHORIZATION_HEADER'
  return missing
    ? new HttpProblem(401, 'API token required',
      'This endpoint needs an API token: send the header "Authorization: Bearer <token>" with a token from API_TOKENS.',
      { type: 'unauthorized', headers: { 'www-authenticate': `Bearer realm="${AUTH_REALM}"` } })
    : new HttpProblem(401, 'Invalid API token',
      'The bearer token sent is not one of this service\'s API tokens (API_TOKENS or API_TOKENS_FILE); send "Authorization: Bearer <token>" with one of them.',
      { type: 'unauthorized', headers: { 'www-authenticate': `Bearer realm="${AUTH_REALM}", error="invalid_token"` } })
}

/** 401 problem of GET /metrics when METRICS_TOKEN is set: no bearer token, or not that one. */
export function metricsUnauthorized (missing: boolean): HttpProblem {
  return new HttpProblem(401, 'Unauthorized',
    missing
      ? 'GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`.'
      : 'The bearer token is not the metrics token (METRICS_TOKEN).',
    { type: 'unauthorized', headers: { 'www-authenticate': 'Bearer realm="metrics"' } })
}
