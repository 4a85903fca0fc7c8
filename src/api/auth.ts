/**
 * The 401 answers of the API token check (plugins/auth.ts) and of GET /metrics, and the METRICS_TOKEN check itself.
 * The presented token is never echoed.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify'
import { HttpProblem } from './problem.ts'

export const AUTH_REALM = 'zuora-c1-facade'

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

/** onRequest hook of GET /metrics: with METRICS_TOKEN set, only `Authorization: Bearer <METRICS_TOKEN>` passes. */
export async function requireMetricsToken (this: FastifyInstance, request: FastifyRequest): Promise<void> {
  const expected = this.config.auth.metricsToken
  if (expected === undefined) return
  const presented = bearerToken(request.headers.authorization)
  if (presented !== undefined && sameSecret(presented, expected.reveal())) return
  throw metricsUnauthorized(presented === undefined)
}

function bearerToken (header: string | undefined): string | undefined {
  return /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1]
}

/** Constant time whatever the lengths: compares SHA-256 digests. */
function sameSecret (presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest()
  const b = createHash('sha256').update(expected).digest()
  return timingSafeEqual(a, b)
}
