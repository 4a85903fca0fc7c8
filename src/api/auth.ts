/**
 * The 401 answers of the API token check (plugins/auth.ts) and of GET /metrics, and the METRICS_TOKEN check itself.
 * The presented token is never echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { HttpProblem } from './problem.ts'

const AUTH_REALM = 'zuora-c1-facade'

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

/**
 * onRequest hook of GET /metrics: with METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>` passes.
 * Compared in constant time whatever the lengths (SHA-256 digests).
 */
export async function requireMetricsToken (this: FastifyInstance, request: FastifyRequest): Promise<void> {
  const expected = this.config.auth.metricsToken
  if (expected === undefined) return
  const presented = /^Bearer +(\S+) *$/i.exec(request.headers.authorization ?? '')?.[1]
  const digest = (secret: string): Buffer => createHash('sha256').update(secret).digest()
  if (presented !== undefined && timingSafeEqual(digest(presented), digest(expected.reveal()))) return
  throw metricsUnauthorized(presented === undefined)
}
