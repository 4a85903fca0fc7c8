/**
 * Security headers (helmet) on every response. The CSP is helmet's default, which Swagger UI at /docs
 * satisfies (its scripts and styles are same-origin files; "Try it out" fetches the same origin), minus
 * `upgrade-insecure-requests`: the service may serve plain HTTP (behind a TLS proxy, or locally), and upgrading
 * /docs' asset requests to https would break the page there.
 */
import helmet from '@fastify/helmet'
import fp from 'fastify-plugin'

export default fp(async (app) => {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: true, directives: { 'upgrade-insecure-requests': null } },
    // API responses are JSON read by programs; Swagger UI needs nothing cross-origin.
    crossOriginResourcePolicy: { policy: 'same-origin' }
  })
}, { name: 'security' })
