/**
 * Typed errors for everything that goes wrong talking to Zuora, and the parser for Zuora's three error-body
 * shapes (SCIM Error, Zuora {success,reasons}, OAuth {error}) plus non-JSON bodies (gateway HTML).
 * Messages never carry tokens or the client secret.
 */
import type { UpstreamEndpoint } from './types.ts'

export type ZuoraErrorKind = 'auth' | 'rate-limited' | 'unavailable' | 'timeout' | 'payload' | 'upstream' | 'aborted'

export interface ZuoraErrorOptions {
  readonly kind: ZuoraErrorKind
  readonly endpoint: UpstreamEndpoint
  readonly upstreamStatus?: number
  /** Upstream error code: SCIM scimType, Zuora reasons[0].code, or OAuth `error`. */
  readonly code?: string
  /** Zuora-Request-Id response header (what Zuora support asks for). */
  readonly requestId?: string
  /** Zuora body `processId`, when present. */
  readonly processId?: string
  /** How long the upstream asked us to wait (429/503), when known. */
  readonly retryAfterMs?: number
  readonly cause?: unknown
}

/** What the façade answers when Zuora fails: bad gateway, unavailable, or gateway timeout. */
export type ZuoraHttpStatus = 502 | 503 | 504

const HTTP_STATUS: Record<ZuoraErrorKind, ZuoraHttpStatus> = {
  auth: 502,
  payload: 502,
  upstream: 502,
  'rate-limited': 503,
  unavailable: 503,
  aborted: 503,
  timeout: 504
}

export class ZuoraError extends Error {
  readonly kind: ZuoraErrorKind
  readonly endpoint: UpstreamEndpoint
  readonly upstreamStatus?: number
  readonly code?: string
  readonly requestId?: string
  readonly processId?: string
  readonly retryAfterMs?: number
  readonly httpStatus: ZuoraHttpStatus

  constructor (message: string, options: ZuoraErrorOptions) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined)
    this.name = 'ZuoraError'
    this.kind = options.kind
    this.endpoint = options.endpoint
    if (options.upstreamStatus !== undefined) this.upstreamStatus = options.upstreamStatus
    if (options.code !== undefined) this.code = options.code
    if (options.requestId !== undefined) this.requestId = options.requestId
    if (options.processId !== undefined) this.processId = options.processId
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs
    this.httpStatus = HTTP_STATUS[options.kind]
  }

  /** The same error with another message (a hint naming the cause added); every other field kept. */
  withMessage (message: string): ZuoraError {
    return new ZuoraError(message, { ...this, cause: undefined })
  }

  /** Log-friendly view (no stack, no cause chain that could carry request options). */
  toJSON (): Record<string, unknown> {
    return {
      name: this.name,
      message: this.message,
      kind: this.kind,
      endpoint: this.endpoint,
      httpStatus: this.httpStatus,
      ...(this.upstreamStatus !== undefined ? { upstreamStatus: this.upstreamStatus } : {}),
      ...(this.code !== undefined ? { code: this.code } : {}),
      ...(this.requestId !== undefined ? { requestId: this.requestId } : {}),
      ...(this.processId !== undefined ? { processId: this.processId } : {})
    }
  }
}

export function isZuoraError (err: unknown): err is ZuoraError {
  return err instanceof ZuoraError ||
    (err instanceof Error && err.name === 'ZuoraError' && typeof (err as { kind?: unknown }).kind === 'string')
}

/** The hint attached to credential failures: the two usual causes. */
export const AUTH_HINT = 'check the OAuth client id and secret, and that the token URL belongs to the data center (or OneID) where the client was created'

// ---------------------------------------------------------------------------------------------------------
// Error bodies

export type UpstreamErrorShape = 'scim' | 'zuora' | 'oauth' | 'json' | 'text' | 'empty'

export interface UpstreamErrorBody {
  readonly shape: UpstreamErrorShape
  /** scimType, Zuora reason code, or OAuth error. */
  readonly code?: string
  /** Human-readable, sanitized, bounded. */
  readonly detail?: string
  readonly processId?: string
}

const MAX_EXCERPT = 200

/**
 * Removes anything secret-looking: bearer tokens, JWTs, `access_token`/`client_secret` values, and the given
 * known secrets (current access token, client secret).
 */
export function redactSecrets (text: string, secrets: readonly string[] = []): string {
  let out = text
  for (const s of secrets) {
    if (s.length >= 4) out = out.split(s).join('[REDACTED]')
  }
  return out
    .replace(/\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 [REDACTED]')
    .replace(/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[REDACTED]')
    .replace(/((?:access_token|refresh_token|id_token|client_secret|password|secret)["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi, '$1[REDACTED]')
}

/** A short, single-line, printable excerpt (HTML tags dropped), safe for logs and problem details. */
export function sanitizeExcerpt (text: string, secrets: readonly string[] = [], max = MAX_EXCERPT): string {
  const plain = text
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    .replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
  const safe = redactSecrets(plain, secrets)
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe
}

function str (v: unknown): string | undefined {
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isFinite(v)) return String(v)
  return undefined
}

/**
 * Parses an upstream error body. Recognises:
 * - SCIM Error `{schemas:[…:Error], status:"400", scimType?, detail?}`
 * - Zuora `{success:false, reasons:[{code, message}], processId?}` (code string or number)
 * - OAuth `{error, error_description?}`
 * and falls back to a sanitized excerpt for anything else (gateway HTML, plain text).
 */
export function parseUpstreamErrorBody (status: number, contentType: string | undefined, text: string, secrets: readonly string[] = []): UpstreamErrorBody {
  const body = text.trim()
  if (body === '') return { shape: 'empty' }
  const looksJson = /json/i.test(contentType ?? '') || body.startsWith('{') || body.startsWith('[')
  if (looksJson) {
    let parsed: unknown
    try {
      parsed = JSON.parse(body)
    } catch {
      parsed = undefined
    }
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      const o = parsed as Record<string, unknown>
      const clean = (s: string | undefined): string | undefined => s === undefined || s === '' ? undefined : sanitizeExcerpt(s, secrets)
      const schemas = Array.isArray(o.schemas) ? o.schemas : []
      if (schemas.some(s => typeof s === 'string' && s.endsWith(':Error')) || (o.status !== undefined && ('scimType' in o || 'detail' in o))) {
        return withDefined({ shape: 'scim', code: clean(str(o.scimType)), detail: clean(str(o.detail)) })
      }
      if (Array.isArray(o.reasons) || o.success === false) {
        const reasons = Array.isArray(o.reasons) ? o.reasons.filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object') : []
        const first = reasons[0]
        const detail = reasons.map(r => str(r.message)).filter((m): m is string => m !== undefined && m !== '').join('; ')
        return withDefined({
          shape: 'zuora',
          code: clean(str(first?.code)),
          detail: clean(detail),
          processId: clean(str(o.processId))
        })
      }
      if (typeof o.error === 'string') {
        return withDefined({ shape: 'oauth', code: clean(o.error), detail: clean(str(o.error_description)) })
      }
      const generic = str(o.message) ?? str(o.detail) ?? str(o.error)
      return withDefined({ shape: 'json', detail: generic !== undefined ? clean(generic) : sanitizeExcerpt(body, secrets) })
    }
  }
  void status
  return { shape: 'text', detail: sanitizeExcerpt(body, secrets) }
}

function withDefined (b: { shape: UpstreamErrorShape, code?: string | undefined, detail?: string | undefined, processId?: string | undefined }): UpstreamErrorBody {
  const out: { shape: UpstreamErrorShape, code?: string, detail?: string, processId?: string } = { shape: b.shape }
  if (b.code !== undefined) out.code = b.code
  if (b.detail !== undefined) out.detail = b.detail
  if (b.processId !== undefined) out.processId = b.processId
  return out
}

/** Error kind for an upstream HTTP status (token endpoint: a 400 invalid_client is an auth failure). */
export function kindForStatus (status: number, endpoint: UpstreamEndpoint, body?: UpstreamErrorBody): ZuoraErrorKind {
  if (status === 401 || status === 403) return 'auth'
  if (endpoint === 'token' && status === 400 && body?.shape === 'oauth' && /invalid_(client|grant|scope)|unauthorized_client/.test(body.code ?? '')) return 'auth'
  if (status === 429) return 'rate-limited'
  if (status === 408 || status === 504) return 'timeout'
  if (status === 500 || status === 502 || status === 503) return 'unavailable'
  return 'upstream'
}

const ENDPOINT_LABEL: Record<UpstreamEndpoint, string> = {
  token: 'OAuth token request',
  users: 'SCIM Users list',
  groups: 'SCIM Groups list'
}

export function endpointLabel (endpoint: UpstreamEndpoint): string {
  return ENDPOINT_LABEL[endpoint]
}

/** Builds the ZuoraError for a non-2xx upstream response. */
export function errorFromResponse (args: {
  endpoint: UpstreamEndpoint
  status: number
  body: UpstreamErrorBody
  requestId?: string | undefined
  retryAfterMs?: number | undefined
  attempts?: number | undefined
  what?: string | undefined
}): ZuoraError {
  const { endpoint, status, body } = args
  const kind = kindForStatus(status, endpoint, body)
  const parts = [`${args.what ?? endpointLabel(endpoint)} failed: HTTP ${status}`]
  if (body.code !== undefined) parts.push(`(${body.code})`)
  let message = parts.join(' ')
  if (body.detail !== undefined) message += `: ${body.detail}`
  if (args.attempts !== undefined && args.attempts > 1) message += ` (after ${args.attempts} attempts)`
  if (kind === 'auth') message += `. Hint: ${AUTH_HINT}`
  if (args.requestId !== undefined) message += ` [Zuora-Request-Id ${args.requestId}]`
  return new ZuoraError(message, { kind, endpoint, upstreamStatus: status, code: body.code, requestId: args.requestId, processId: body.processId, retryAfterMs: args.retryAfterMs })
}
