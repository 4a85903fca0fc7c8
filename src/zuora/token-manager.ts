/**
 * OAuth client-credentials token for one (token URL, client id): cached until `expires_in` minus a skew,
 * refreshed single-flight (any number of concurrent callers → one token request), invalidated only if the
 * rejected token is still the current one. The secret is revealed only into the request body.
 */
import type { Secret } from '../secret.ts'
import { ZuoraError, errorFromResponse, parseUpstreamErrorBody } from './errors.ts'
import type { HttpClient } from './http.ts'
import type { ZuoraLogger } from './logger.ts'
import { safeObserver } from './observer.ts'
import type { RequestQueue } from './request-queue.ts'
import type { UpstreamObserver } from './types.ts'

/** Refresh this long before expiry (bounded to half the lifetime for short-lived tokens). */
export const DEFAULT_SKEW_MS = 60_000
/** Lifetime assumed when the token response has no usable `expires_in`. */
export const FALLBACK_LIFETIME_MS = 300_000

export interface TokenManagerOptions {
  readonly tokenUrl: string
  readonly clientId: string
  readonly clientSecret: Secret
  readonly http: HttpClient
  readonly queue: RequestQueue
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

  const secrets = (): readonly string[] => [options.clientSecret.reveal()]

  function parseToken (text: string, requestId: string | undefined, receivedAt: number): TokenInfo {
    const fail = (why: string): ZuoraError => new ZuoraError(`OAuth token response is unusable: ${why}${requestId !== undefined ? ` [Zuora-Request-Id ${requestId}]` : ''}`, {
      kind: 'payload', endpoint: 'token', upstreamStatus: 200, ...(requestId !== undefined ? { requestId } : {})
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

  async function fetchToken (): Promise<TokenInfo> {
    const body = new URLSearchParams({
      client_id: options.clientId,
      client_secret: options.clientSecret.reveal(),
      grant_type: 'client_credentials'
    }).toString()
    try {
      const res = await options.queue.run({
        endpoint: 'token',
        what: 'OAuth token request',
        signal: closeController.signal,
        secrets,
        send: () => {
          requests++
          return options.http.send({
            endpoint: 'token',
            method: 'POST',
            url: options.tokenUrl,
            headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
            body,
            signal: closeController.signal
          })
        }
      })
      if (res.status !== 200) {
        throw errorFromResponse({
          endpoint: 'token',
          status: res.status,
          body: parseUpstreamErrorBody(res.status, res.contentType, res.text, secrets()),
          requestId: res.requestId
        })
      }
      const info = parseToken(res.text, res.requestId, now())
      observer.tokenRefresh({ outcome: 'ok' })
      options.logger?.debug({ expiresInMs: info.expiresAt - now(), requestId: res.requestId }, 'zuora token acquired')
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
    close () {
      closeController.abort()
      current = undefined
    }
  }
}
