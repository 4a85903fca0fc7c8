/**
 * OAuth client-credentials token: cached until `expires_in` minus a skew, refreshed single-flight, invalidated
 * only if the rejected token is still the current one. The secret is revealed only into the request.
 * Client authentication (RFC 6749 §2.3.1): 'post' (form body), 'basic' (HTTP Basic header), or 'auto': the form
 * body, then Basic once if the token endpoint refuses the client, keeping whichever worked for the process lifetime.
 */
import { AUTH_HINT, ZuoraError, errorFromResponse, isZuoraError, requestIdSuffix } from './errors.ts'
import type { ZuoraLogger } from './logger.ts'
import type { UpstreamObserver, ZuoraSettings } from './types.ts'
import { safeObserver, type Upstream } from './upstream.ts'

/** Refresh this long before expiry (bounded to half the lifetime for short-lived tokens). */
const SKEW_MS = 60_000
/** Lifetime assumed when the token response has no usable `expires_in`. */
const FALLBACK_LIFETIME_MS = 300_000

export interface TokenManagerOptions extends Pick<ZuoraSettings, 'tokenUrl' | 'clientId' | 'clientSecret' | 'clientAuth'> {
  readonly upstream: Pick<Upstream, 'send'>
  readonly now?: () => number
  readonly observer?: UpstreamObserver | undefined
  readonly logger?: ZuoraLogger
}

/** Epoch ms: `refreshAt` is when the token is considered stale, `expiresAt` when Zuora said it expires. */
interface TokenInfo { readonly accessToken: string, readonly refreshAt: number, readonly expiresAt: number }

type ClientAuthMethod = 'post' | 'basic'

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
function clientRefused (err: unknown): err is ZuoraError {
  if (!isZuoraError(err) || err.endpoint !== 'token') return false
  return err.upstreamStatus === 401 || (err.upstreamStatus === 400 && /^(invalid_client|invalid_request|unauthorized_client)$/.test(err.code ?? ''))
}

/** Waits for `p` unless `signal` aborts first (the token request itself goes on for the other callers). */
function raceAbort<T> (p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p
  const aborted = (): ZuoraError => new ZuoraError('OAuth token request aborted', { kind: 'aborted', endpoint: 'token' })
  if (signal.aborted) return Promise.reject(aborted())
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => { reject(aborted()) }
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(resolve, reject).finally(() => { signal.removeEventListener('abort', onAbort) })
  })
}

export function createTokenManager (options: TokenManagerOptions) {
  const now = options.now ?? Date.now
  const observer = safeObserver(options.observer)
  const closeController = new AbortController()
  let current: TokenInfo | undefined
  let inflight: Promise<TokenInfo> | undefined
  let requests = 0
  const setting = options.clientAuth ?? 'auto'
  let method: ClientAuthMethod | undefined = setting === 'auto' ? undefined : setting
  const basic = (): string => basicCredentials(options.clientId, options.clientSecret.reveal())
  const secrets = (): readonly string[] => [options.clientSecret.reveal(), basic(), encodeURIComponent(options.clientSecret.reveal())]

  function parseToken (text: string, requestId: string | undefined, receivedAt: number): TokenInfo {
    const fail = (why: string): ZuoraError => new ZuoraError(`OAuth token response is unusable: ${why}${requestIdSuffix(requestId)}`, {
      kind: 'payload', endpoint: 'token', upstreamStatus: 200, requestId
    })
    let body: { access_token?: unknown, token_type?: unknown, expires_in?: unknown } | null
    try {
      body = JSON.parse(text)
    } catch {
      throw fail('not JSON')
    }
    if (body === null || typeof body !== 'object') throw fail('not a JSON object')
    if (typeof body.access_token !== 'string' || body.access_token.trim() === '') throw fail('no access_token')
    if (body.token_type !== undefined && (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer')) {
      throw fail(`token_type ${JSON.stringify(String(body.token_type)).slice(0, 40)} is not bearer`)
    }
    const e = body.expires_in
    const seconds = typeof e === 'number' ? e : typeof e === 'string' && /^\d+$/.test(e.trim()) ? Number(e) : NaN
    let lifetime = seconds * 1000
    if (!Number.isFinite(seconds) || seconds <= 0) {
      options.logger?.warn({ fallbackSeconds: FALLBACK_LIFETIME_MS / 1000 }, 'zuora token response has no usable expires_in')
      lifetime = FALLBACK_LIFETIME_MS
    }
    return { accessToken: body.access_token, expiresAt: receivedAt + lifetime, refreshAt: receivedAt + lifetime - Math.min(SKEW_MS, lifetime / 2) }
  }

  async function requestToken (how: ClientAuthMethod): Promise<TokenInfo> {
    const form: Record<string, string> = how === 'post'
      ? { grant_type: 'client_credentials', client_id: options.clientId, client_secret: options.clientSecret.reveal() }
      : { grant_type: 'client_credentials' }
    const res = await options.upstream.send({
      endpoint: 'token',
      method: 'POST',
      url: options.tokenUrl,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...(how === 'basic' ? { authorization: `Basic ${basic()}` } : {})
      },
      body: new URLSearchParams(form).toString(),
      what: 'OAuth token request',
      signal: closeController.signal,
      secrets,
      onAttempt: () => { requests++ }
    })
    if (res.status !== 200) {
      throw errorFromResponse('token', res, { secrets: secrets() })
    }
    return parseToken(res.text, res.requestId, now())
  }

  /** One token, by the known method; 'auto' not yet settled: form body, then HTTP Basic once if the client is refused. */
  async function authenticate (): Promise<TokenInfo> {
    const first = method ?? 'post'
    let refused: ZuoraError
    try {
      const info = await requestToken(first)
      method = first
      options.logger?.debug({ expiresInMs: info.expiresAt - now() }, 'zuora token acquired')
      return info
    } catch (err) {
      if (!clientRefused(err)) throw err
      refused = err
    }
    if (method !== undefined) {
      const other = method === 'post' ? 'basic' : 'post'
      const why = setting === 'auto'
        ? `${METHOD_LABEL[method]} worked earlier in this process`
        : `ZUORA_OAUTH_CLIENT_AUTH=${setting} sends ${METHOD_LABEL[method]}`
      throw refused.withMessage(`${refused.message.replace(requestIdSuffix(refused.requestId), '').replace(/\. Hint: .*$/, '')}. Hint: ${AUTH_HINT}; ${why}: if the token endpoint only accepts ${METHOD_LABEL[other]}, set ZUORA_OAUTH_CLIENT_AUTH=${other} (or auto)` +
        requestIdSuffix(refused.requestId))
    }
    options.logger?.info({ status: refused.upstreamStatus, code: refused.code }, 'zuora token endpoint refused client_secret_post: trying client_secret_basic once')
    try {
      const info = await requestToken('basic')
      options.logger?.info({ method: 'basic' }, 'zuora token endpoint accepts client_secret_basic: using it from now on')
      method = 'basic'
      return info
    } catch (err) {
      if (!clientRefused(err)) throw err
      const what = (e: ZuoraError): string => `HTTP ${e.upstreamStatus ?? '?'}${e.code !== undefined ? ` ${e.code}` : ''}`
      throw err.withMessage(
        `OAuth token request refused the client with both authentication methods (${METHOD_LABEL.post}: ${what(refused)}; ` +
        `${METHOD_LABEL.basic}: ${what(err)}). Hint: ${AUTH_HINT}${requestIdSuffix(err.requestId)}`)
    }
  }

  return {
    /** At most one token request is in flight at any time. */
    async getToken (opts: { signal?: AbortSignal | undefined } = {}): Promise<string> {
      if (current !== undefined && now() < current.refreshAt) return current.accessToken
      if (inflight === undefined) {
        const flight = authenticate().then(info => {
          observer.tokenRefresh({ outcome: 'ok' })
          current = info
          return info
        }, (err: unknown) => {
          observer.tokenRefresh({ outcome: 'error' })
          throw err
        })
        inflight = flight
        const clear = (): void => { if (inflight === flight) inflight = undefined }
        flight.then(clear, clear)
      }
      return (await raceAbort(inflight, opts.signal)).accessToken
    },
    /** Drops the cached token if it is still `token` (a 401 with an older token does not drop a newer one). */
    invalidate (token: string): void {
      if (current?.accessToken === token) current = undefined
    },
    /** Diagnostics for tests (never log `accessToken`). */
    current: (): TokenInfo | undefined => current,
    requests: () => requests,
    clientAuthMethod: (): ClientAuthMethod | undefined => method,
    close (): void {
      closeController.abort()
      current = undefined
    }
  }
}

export type TokenManager = ReturnType<typeof createTokenManager>
