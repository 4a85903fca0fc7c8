/**
 * pino options for the service: secrets redacted by path, request lines without query strings
 * (SCIM filters carry PII, page tokens are bearer-like), and request ids that callers may supply.
 */
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { FastifyRequest } from 'fastify'
import type { LoggerOptions } from 'pino'

/** Request id header: accepted from callers when well-formed, always echoed on the response. */
export const REQUEST_ID_HEADER = 'x-request-id'

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/

/**
 * Paths whose values never reach a log line. Exact and case-sensitive (pino/@pinojs/redact); Node lower-cases
 * incoming header names. Each secret-looking key is listed at the top level and one level down.
 */
const SECRET_KEYS = [
  'authorization', 'cookie', 'password', 'secret', 'token',
  'client_secret', 'clientSecret', 'access_token', 'accessToken', 'refresh_token', 'refreshToken', 'id_token',
  'apiToken', 'apiTokens', 'tokens', 'metricsToken'
]
const SECRET_ENV = ['ZUORA_OAUTH_CLIENT_SECRET', 'API_TOKENS', 'METRICS_TOKEN']

const REDACT_PATHS = [
  ...SECRET_KEYS,
  ...SECRET_KEYS.map(k => `*.${k}`),
  ...['req.headers', 'headers', '*.headers'].flatMap(h => [`${h}.authorization`, `${h}.cookie`]),
  ...['res.headers', 'headers', '*.headers'].map(h => `${h}["set-cookie"]`),
  'req.headers["x-api-key"]',
  '*.*.headers.authorization',
  'config.zuora.clientSecret',
  'config.auth.tokens',
  ...SECRET_ENV.map(v => `env.${v}`),
  ...SECRET_ENV
]

/** The path of a request URL: the query string is dropped (SCIM `filter`, `q` and page tokens stay out of logs). */
export function pathOnly (url: string | undefined): string {
  if (url === undefined) return ''
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** The caller's `x-request-id` when well-formed (`^[A-Za-z0-9._-]{1,64}$`), else a fresh UUID. */
export function genReqId (req: IncomingMessage): string {
  const incoming = req.headers[REQUEST_ID_HEADER]
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID()
}

/** pino options for Fastify's `logger`; `pretty`: human-readable output through pino-pretty (use only on a TTY). */
export function loggerOptions (level: string, { pretty = false } = {}): LoggerOptions {
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    // Fastify's request log fields, with the path in place of the full URL.
    serializers: {
      req: (req: FastifyRequest) => ({ method: req.method, url: pathOnly(req.url), host: req.host, remoteAddress: req.ip, remotePort: req.socket?.remotePort })
    },
    // No transport key at all unless pretty: pino would start a worker for any transport.
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } } } : {})
  }
}
