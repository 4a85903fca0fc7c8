/**
 * API token check: `Authorization: Bearer <token>` against API_TOKENS, compared in constant time by
 * @fastify/bearer-auth, in an onRequest hook (before any body is read). Public routes (`config.public`) and
 * unknown paths (404/405 answers reveal nothing /openapi.json does not) pass; AUTH_DISABLED=true lets everything
 * pass and says so in the log. Failures are 401 problems with WWW-Authenticate; the presented token is never echoed.
 */
import bearerAuth from '@fastify/bearer-auth'
import type { FastifyError } from 'fastify'
import fp from 'fastify-plugin'
import { unauthorized } from '#src/api/auth.ts'

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
  const verify = app.verifyBearerAuth!
  app.addHook('onRequest', (request, reply, done) => {
    if (request.routeOptions.config?.public === true || request.is404) {
      done()
      return
    }
    verify(request, reply, (err) => {
      if (err === undefined) done()
      else done(unauthorized(err as FastifyError))
    })
  })
}, { name: 'auth', dependencies: ['problem'] })
