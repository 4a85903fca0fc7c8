/**
 * Typed errors for everything that goes wrong talking to Zuora, and the parser for Zuora's three error-body
 * shapes (SCIM Error, Zuora {success,reasons}, OAuth {error}) plus non-JSON bodies (gateway HTML).
 * Messages never carry tokens or the client secret.
 */
import type { UpstreamEndpoint } from './types.ts'

/** Each kind and what the façade answers for it: bad gateway, unavailable, or gateway timeout. */
const HTTP_STATUS = {
  auth: 502,
  payload: 502,
  upstream: 502,
  'rate-limited': 503,
  unavailable: 503,
  aborted: 503,
  timeout: 504
} as const

export type ZuoraErrorKind = keyof typeof HTTP_STATUS

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

// The fields come from the options (Object.assign in the constructor): declared once, in ZuoraErrorOptions.
export interface ZuoraError extends Omit<ZuoraErrorOptions, 'cause'> {}

export class ZuoraError extends Error {
  readonly httpStatus: 502 | 503 | 504

  constructor (message: string, { cause, ...fields }: ZuoraErrorOptions) {
    super(message, cause !== undefined ? { cause } : undefined)
    Object.assign(this, fields)
    this.name = 'ZuoraError'
    this.httpStatus = HTTP_STATUS[fields.kind]
  }

  /** The same error with another message (a hint naming the cause added); every other field kept. */
  withMessage (message: string): ZuoraError {
    return new ZuoraError(message, { ...this, cause: undefined })
  }

  /** Log-friendly view (no stack, no cause chain that could carry request options); undefined fields drop out. */
  toJSON (): Record<string, unknown> {
    const { name, message, kind, endpoint, httpStatus, upstreamStatus, code, requestId, processId } = this
    return { name, message, kind, endpoint, httpStatus, upstreamStatus, code, requestId, processId }
  }
}

export function isZuoraError (err: unknown): err is ZuoraError {
  return err instanceof ZuoraError ||
    (err instanceof Error && err.name === 'ZuoraError' && typeof (err as { kind?: unknown }).kind === 'string')
}

/** The hint attached to credential failures: the two usual causes. */
export const AUTH_HINT = 'check the OAuth client id and secret, and that the token URL belongs to the data center (or OneID) where the client was created'

/** ` [Zuora-Request-Id …]`, the suffix of every message about an answer that carried one. */
export const requestIdSuffix = (requestId: string | undefined): string => requestId !== undefined ? ` [Zuora-Request-Id ${requestId}]` : ''

/** An upstream error body: `code` is the scimType, Zuora reason code or OAuth error; `detail` sanitized, bounded. */
export interface UpstreamErrorBody {
  readonly shape: 'scim' | 'zuora' | 'oauth' | 'json' | 'text' | 'empty'
  readonly code?: string | undefined
  readonly detail?: string | undefined
  readonly processId?: string | undefined
}

/** Removes anything secret-looking (bearer tokens, JWTs, `access_token`/`client_secret` values) and the given secrets. */
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
export function sanitizeExcerpt (text: string, secrets: readonly string[] = [], max = 200): string {
  const plain = text
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&nbsp;/g, ' ')
    // eslint-disable-next-line no-control-regex -- control characters are exactly what this strips
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

function parseObject (text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text)
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/**
 * Parses an upstream error body: SCIM Error `{schemas:[…:Error], status, scimType?, detail?}`, Zuora
 * `{success:false, reasons:[{code, message}], processId?}`, OAuth `{error, error_description?}`, else an excerpt.
 */
export function parseUpstreamErrorBody (contentType: string | undefined, text: string, secrets: readonly string[] = []): UpstreamErrorBody {
  const body = text.trim()
  if (body === '') return { shape: 'empty' }
  const looksJson = /json/i.test(contentType ?? '') || body.startsWith('{') || body.startsWith('[')
  const o = looksJson ? parseObject(body) : undefined
  if (o === undefined) return { shape: 'text', detail: sanitizeExcerpt(body, secrets) }
  const clean = (s: string | undefined): string | undefined => s === undefined || s === '' ? undefined : sanitizeExcerpt(s, secrets)
  const schemas = Array.isArray(o.schemas) ? o.schemas : []
  if (schemas.some(s => typeof s === 'string' && s.endsWith(':Error')) || (o.status !== undefined && ('scimType' in o || 'detail' in o))) {
    return { shape: 'scim', code: clean(str(o.scimType)), detail: clean(str(o.detail)) }
  }
  if (Array.isArray(o.reasons) || o.success === false) {
    const reasons = Array.isArray(o.reasons) ? o.reasons.filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object') : []
    const detail = reasons.map(r => str(r.message)).filter(m => m !== undefined && m !== '').join('; ')
    return { shape: 'zuora', code: clean(str(reasons[0]?.code)), detail: clean(detail), processId: clean(str(o.processId)) }
  }
  if (typeof o.error === 'string') return { shape: 'oauth', code: clean(o.error), detail: clean(str(o.error_description)) }
  const generic = str(o.message) ?? str(o.detail) ?? str(o.error)
  return { shape: 'json', detail: generic !== undefined ? clean(generic) : sanitizeExcerpt(body, secrets) }
}

const KIND_FOR_STATUS: Readonly<Record<number, ZuoraErrorKind>> = {
  401: 'auth',
  403: 'auth',
  429: 'rate-limited',
  408: 'timeout',
  504: 'timeout',
  500: 'unavailable',
  502: 'unavailable',
  503: 'unavailable'
}

/** Token endpoint: a 400 invalid_client is an auth failure. */
export function kindForStatus (status: number, endpoint: UpstreamEndpoint, body?: UpstreamErrorBody): ZuoraErrorKind {
  if (endpoint === 'token' && status === 400 && body?.shape === 'oauth' && /invalid_(client|grant|scope)|unauthorized_client/.test(body.code ?? '')) return 'auth'
  return KIND_FOR_STATUS[status] ?? 'upstream'
}

export const ENDPOINT_LABEL: Readonly<Record<UpstreamEndpoint, string>> = {
  token: 'OAuth token request',
  users: 'SCIM Users list',
  groups: 'SCIM Groups list'
}

/** The ZuoraError for a non-2xx answer (`secrets` scrubbed from the excerpt); `note` and `hint` replace the defaults. */
export function errorFromResponse (
  endpoint: UpstreamEndpoint,
  res: { status: number, contentType: string | undefined, text: string, requestId: string | undefined },
  { secrets, what, attempts = 1, retryAfterMs, note, hint }: { secrets: readonly string[], what?: string, attempts?: number, retryAfterMs?: number, note?: string, hint?: string }
): ZuoraError {
  const { status, requestId } = res
  const body = parseUpstreamErrorBody(res.contentType, res.text, secrets)
  const kind = kindForStatus(status, endpoint, body)
  let message = `${what ?? ENDPOINT_LABEL[endpoint]} failed: HTTP ${status}`
  if (body.code !== undefined) message += ` (${body.code})`
  if (body.detail !== undefined) message += `: ${body.detail}`
  message += note ?? (attempts > 1 ? ` (after ${attempts} attempts)` : '')
  hint ??= kind === 'auth' ? AUTH_HINT : undefined
  if (hint !== undefined) message += `. Hint: ${hint}`
  message += requestIdSuffix(requestId)
  return new ZuoraError(message, { kind, endpoint, upstreamStatus: status, code: body.code, requestId, processId: body.processId, retryAfterMs })
}
