/**
 * OAuth client-credentials token for one (token URL, client id): cached until `expires_in` minus a skew,
 * refreshed single-flight (any number of concurrent callers → one token request), invalidated only if the
 * rejected token is still the current one. The secret is revealed only into the request (form body, or the
 * HTTP Basic header with `client_secret_basic`).
 *
 * Client authentication (RFC 6749 §2.3.1): 'post' sends the credentials in the form body, 'basic' in an HTTP
 * Basic header; 'auto' tries the form body, and when the token endpoint refuses the client (401, or 400
 * invalid_client/invalid_request) tries Basic once, then keeps whichever method worked for the process lifetime.
 */
import type { Secret } from '#src/secret.ts'
import { AUTH_HINT, ZuoraError, errorFromResponse, isZuoraError, parseUpstreamErrorBody } from './errors.ts'
import type { ZuoraLogger } from './logger.ts'
import { safeObserver } from './observer.ts'
import type { ClientAuthSetting, UpstreamObserver } from './types.ts'
import type { Upstream } from './upstream.ts'

/** Refresh this long before expiry (bounded to half the lifetime for short-lived tokens). */
export const DEFAULT_SKEW_MS = 60_000
/** Lifetime assumed when the token response has no usable `expires_in`. */
export const FALLBACK_LIFETIME_MS = 300_000

export interface TokenManagerOptions {
  readonly tokenUrl: string
  readonly clientId: string
  readonly clientSecret: Secret
  /** Default 'auto'. */
  readonly clientAuth?: ClientAuthSetting
  readonly upstream: Pick<Upstream, 'send'>
  readonly now?: () => number
  readonly skewMs?: number
  readonly observer?: UpstreamObserver
  readonly logger?: ZuoraLogger
}

export interface TokenInfo {
  readonly accessToken: string
  /** When the token is considered stale (refresh point), epoch ms. */
  readonly refreshAt: number
  /** When the upstream said it expires, epoch ms. */
  readonly expiresAt: number
  readonly scope?: string
}

export interface TokenManager {
  /** A valid access token; at most one token request is in flight at any time. */
  getToken(options?: { signal?: AbortSignal }): Promise<string>
  /** Drops the cached token if it is still `token` (a 401 with an older token does not drop a newer one). */
  invalidate(token: string): void
  /** Diagnostics (never log `accessToken`). */
  current(): TokenInfo | undefined
  /** Token requests made so far. */
  readonly requests: () => number
  /** The client authentication method in use: configured, or learnt by 'auto' (undefined until then). */
  readonly clientAuthMethod: () => ClientAuthMethod | undefined
  close(): void
}

interface TokenResponse {
  access_token?: unknown
  token_type?: unknown
  expires_in?: unknown
  scope?: unknown
}

function raceAbort<T> (p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p
  if (signal.aborted) return Promise.reject(new ZuoraError('OAuth token request aborted', { kind: 'aborted', endpoint: 'token' }))
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => { reject(new ZuoraError('OAuth token request aborted', { kind: 'aborted', endpoint: 'token' })) }
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      v => { signal.removeEventListener('abort', onAbort); resolve(v) },
      e => { signal.removeEventListener('abort', onAbort); reject(e) }
    )
  })
}

export type ClientAuthMethod = 'post' | 'basic'

const METHOD_LABEL: Record<ClientAuthMethod, string> = {
  post: 'client_secret_post (credentials in the form body)',
  basic: 'client_secret_basic (HTTP Basic header)'
}

/** RFC 6749 §2.3.1: form-encode id and secret, join with ':', base64. */
export function basicCredentials (clientId: string, clientSecret: string): string {
  const enc = (s: string): string => new URLSearchParams({ v: s }).toString().slice(2)
  return Buffer.from(`${enc(clientId)}:${enc(clientSecret)}`, 'utf8').toString('base64')
}

/** Did the token endpoint refuse the client itself (the case where the other authentication method may work)? */
export function clientRefused (err: unknown): boolean {
  if (!isZuoraError(err) || err.endpoint !== 'token') return false
  if (err.upstreamStatus === 401) return true
  return err.upstreamStatus === 400 && /^(invalid_client|invalid_request|unauthorized_client)$/.test(err.code ?? '')
}

export function parseLifetimeMs (expiresIn: unknown): number | undefined {
  const n = typeof expiresIn === 'number' ? expiresIn : typeof expiresIn === 'string' && /^\d+$/.test(expiresIn.trim()) ? Number(expiresIn) : NaN
  return Number.isFinite(n) && n > 0 ? n * 1000 : undefined
}

export function createTokenManager (options: TokenManagerOptions): TokenManager {
  const now = options.now ?? Date.now
  const skewMs = options.skewMs ?? DEFAULT_SKEW_MS
  const observer = safeObserver(options.observer)
  const closeController = new AbortController()
  let current: TokenInfo | undefined
  let inflight: Promise<TokenInfo> | undefined
  let requests = 0
  const setting = options.clientAuth ?? 'auto'
  /** The method that worked (auto), or the configured one. */
  let method: ClientAuthMethod | undefined = setting === 'auto' ? undefined : setting

  const secrets = (): readonly string[] => {
    const basic = basicCredentials(options.clientId, options.clientSecret.reveal())
    return [options.clientSecret.reveal(), basic, encodeURIComponent(options.clientSecret.reveal())]
  }

  function parseToken (text: string, requestId: string | undefined, receivedAt: number): TokenInfo {
    const fail = (why: string): ZuoraError => new ZuoraError(`OAuth token response is unusable: ${why}${requestId !== undefined ? ` [Zuora-Request-Id ${requestId}]` : ''}`, {
      kind: 'payload', endpoint: 'token', upstreamStatus: 200, requestId
    })
    let body: TokenResponse
    try {
      body = JSON.parse(text) as TokenResponse
    } catch {
      throw fail('not JSON')
    }
    if (body === null || typeof body !== 'object') throw fail('not a JSON object')
    if (typeof body.access_token !== 'string' || body.access_token.trim() === '') throw fail('no access_token')
    if (body.token_type !== undefined && (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer')) {
      throw fail(`token_type ${JSON.stringify(String(body.token_type)).slice(0, 40)} is not bearer`)
    }
    let lifetime = parseLifetimeMs(body.expires_in)
    if (lifetime === undefined) {
      options.logger?.warn({ fallbackSeconds: FALLBACK_LIFETIME_MS / 1000 }, 'zuora token response has no usable expires_in')
      lifetime = FALLBACK_LIFETIME_MS
    }
    const skew = Math.min(skewMs, lifetime / 2)
    return {
      accessToken: body.access_token,
      expiresAt: receivedAt + lifetime,
      refreshAt: receivedAt + lifetime - skew,
      ...(typeof body.scope === 'string' ? { scope: body.scope } : {})
    }
  }

  async function requestToken (how: ClientAuthMethod): Promise<TokenInfo> {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
    const form: Record<string, string> = { grant_type: 'client_credentials' }
    if (how === 'post') {
      form.client_id = options.clientId
      form.client_secret = options.clientSecret.reveal()
    } else {
      headers.authorization = `Basic ${basicCredentials(options.clientId, options.clientSecret.reveal())}`
    }
    const body = new URLSearchParams(form).toString()
    const res = await options.upstream.send({
      endpoint: 'token',
      method: 'POST',
      url: options.tokenUrl,
      headers,
      body,
      what: 'OAuth token request',
      signal: closeController.signal,
      secrets,
      onAttempt: () => { requests++ }
    })
    if (res.status !== 200) {
      throw errorFromResponse({
        endpoint: 'token',
        status: res.status,
        body: parseUpstreamErrorBody(res.contentType, res.text, secrets()),
        requestId: res.requestId
      })
    }
    return parseToken(res.text, res.requestId, now())
  }

  /** One token, by the known method; 'auto' not yet settled: form body, then HTTP Basic once if the client is refused. */
  async function fetchToken (): Promise<TokenInfo> {
    const first: ClientAuthMethod = method ?? 'post'
    try {
      let info: TokenInfo
      try {
        info = await requestToken(first)
      } catch (err) {
        if (!clientRefused(err)) throw err
        const refused = err as ZuoraError
        if (method !== undefined) {
          const other: ClientAuthMethod = method === 'post' ? 'basic' : 'post'
          const why = setting === 'auto'
            ? `${METHOD_LABEL[method]} worked earlier in this process`
            : `ZUORA_OAUTH_CLIENT_AUTH=${setting} sends ${METHOD_LABEL[method]}`
          throw refused.withMessage(`${refused.message.replace(/\. Hint: .*$/, '')}. Hint: ${AUTH_HINT}; ${why}: if the token endpoint only accepts ${METHOD_LABEL[other]}, set ZUORA_OAUTH_CLIENT_AUTH=${other} (or auto)` +
            (refused.requestId !== undefined ? ` [Zuora-Request-Id ${refused.requestId}]` : ''))
        }
        const other: ClientAuthMethod = 'basic'
        options.logger?.info({ status: refused.upstreamStatus, code: refused.code }, 'zuora token endpoint refused client_secret_post: trying client_secret_basic once')
        try {
          info = await requestToken(other)
        } catch (err2) {
          if (!clientRefused(err2)) throw err2
          const second = err2 as ZuoraError
          const what = (e: ZuoraError): string => `HTTP ${e.upstreamStatus ?? '?'}${e.code !== undefined ? ` ${e.code}` : ''}`
          throw second.withMessage(
            `OAuth token request refused the client with both authentication methods (${METHOD_LABEL.post}: ${what(refused)}; ` +
            `${METHOD_LABEL.basic}: ${what(second)}). Hint: ${AUTH_HINT}` +
            (second.requestId !== undefined ? ` [Zuora-Request-Id ${second.requestId}]` : ''))
        }
        options.logger?.info({ method: other }, 'zuora token endpoint accepts client_secret_basic: using it from now on')
        method = other
        observer.tokenRefresh({ outcome: 'ok' })
        return info
      }
      method = first
      observer.tokenRefresh({ outcome: 'ok' })
      options.logger?.debug({ expiresInMs: info.expiresAt - now() }, 'zuora token acquired')
      return info
    } catch (err) {
      observer.tokenRefresh({ outcome: 'error' })
      throw err
    }
  }

  return {
    async getToken (opts = {}) {
      if (current !== undefined && now() < current.refreshAt) return current.accessToken
      if (inflight === undefined) {
        const flight = fetchToken().then(info => {
          current = info
          return info
        })
        inflight = flight
        const clear = (): void => { if (inflight === flight) inflight = undefined }
        flight.then(clear, clear)
      }
      const info = await raceAbort(inflight, opts.signal)
      return info.accessToken
    },
    invalidate (token) {
      if (current?.accessToken === token) current = undefined
    },
    current: () => current,
    requests: () => requests,
    clientAuthMethod: () => method,
    close () {
      closeController.abort()
      current = undefined
    }
  }
}
