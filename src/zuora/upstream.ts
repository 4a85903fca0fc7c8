/**
 * Every HTTP exchange with Zuora, on undici's parts: one Agent (connections, timeouts, the response byte cap), its
 * retry interceptor with our decision per failed attempt, and our pause gate below it so that retries wait like
 * everything else. The gate: at most maxConcurrency requests in flight (nothing waits inside the pool), a WHOLE-gate
 * pause when Zuora says "slow down" (a 429, or a Retry-After on a 503: no request starts during the window, a retried
 * request first in line), a retry's own backoff for 5xx, resets and timeouts (only that request waits), and paced
 * starts when ratelimit-remaining runs low, before Zuora has to say 429. No redirects (undici follows none unless
 * told to); gzip bodies decoded within the same cap.
 */
import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { promisify } from 'node:util'
import { gunzip, inflate } from 'node:zlib'
import { Agent, interceptors, type Dispatcher } from 'undici'
import { ENDPOINT_LABEL, errorFromResponse, requestIdSuffix, ZuoraError, type ZuoraErrorKind } from './errors.ts'
import type { ZuoraLogger } from './logger.ts'
import { backoffDelay, parseRateLimit, retryDelay, type BackoffOptions } from './retry-after.ts'
import type { UpstreamEndpoint, UpstreamObserver } from './types.ts'

/** Default response cap: a SCIM page of 100 users is ~100 KB; 32 MiB leaves room and stops a runaway body. */
const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024
/** Statuses worth another attempt (only idempotent reads and the token request go upstream). */
const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504])

const gunzipAsync = promisify(gunzip)
const inflateAsync = promisify(inflate)

type ResponseHeaders = Record<string, string | string[] | undefined>

/** Time source and timer, injectable so tests can run on a virtual clock. */
export interface QueueClock {
  now(): number
  schedule(fn: () => void, ms: number): () => void
}

const realClock: QueueClock = {
  now: () => Date.now(),
  schedule (fn, ms) {
    const timer = setTimeout(fn, Math.max(0, ms))
    return () => { clearTimeout(timer) }
  }
}

export interface UpstreamRequest {
  readonly endpoint: UpstreamEndpoint
  readonly method: 'GET' | 'POST'
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  readonly signal?: AbortSignal
  /** Names the call in errors, e.g. "SCIM Users page 3 (startIndex 199, count 100)". */
  readonly what?: string
  /** Values to scrub from error excerpts (the token in use, the client secret). */
  readonly secrets?: () => readonly string[]
  /** Queue ahead of the others (the groups' pages, so their verify pass need not wait for every user page). */
  readonly first?: boolean
  /** Called once per attempt sent (request accounting). */
  readonly onAttempt?: () => void
  /** Called with the final status as soon as its response head arrives (before the body is read). */
  readonly onStatus?: (status: number) => void
}

export interface UpstreamOptions {
  /** Injected dispatcher (tests: MockAgent), left open by close(); otherwise an owned Agent. */
  readonly dispatcher?: Dispatcher
  readonly timeoutMs: number
  readonly maxConcurrency: number
  /** Attempts per request, the first one included. */
  readonly maxAttempts: number
  readonly maxResponseBytes?: number
  /** Origins of the configured URLs (token URL, SCIM base), to describe refused redirects. */
  readonly origins: readonly string[]
  readonly observer?: UpstreamObserver
  readonly logger?: ZuoraLogger
  readonly clock?: QueueClock
  readonly backoff?: BackoffOptions
  /** Longest server-requested wait honoured (Retry-After / ratelimit-reset); beyond it the request fails. Default 120 s. */
  readonly maxRetryAfterMs?: number
}

/** What one request's attempts have told so far; it rides on undici's dispatch options (the retry handler copies them). */
interface Attempts {
  readonly request: UpstreamRequest
  count: number
  /** The wait the server asked for on the last retryable answer. */
  serverWaitMs?: number
  /** The next attempt's own backoff ends then (the gate holds it until). */
  notBefore?: number
}

/** Every hook present, none able to throw into the caller (a metrics bug must never fail a sync). */
export function safeObserver (observer: UpstreamObserver = {}): Required<UpstreamObserver> {
  const call = <K extends keyof UpstreamObserver>(name: K) => (event: Parameters<Required<UpstreamObserver>[K]>[0]): void => {
    try {
      (observer[name] as ((e: typeof event) => void) | undefined)?.call(observer, event)
    } catch {
      // observers never break the caller
    }
  }
  return { request: call('request'), retry: call('retry'), rateLimitWait: call('rateLimitWait'), tokenRefresh: call('tokenRefresh') }
}

/** Hands a waiting request's failure to its handler (it never reached a connection). */
const NOT_STARTED = { aborted: true, paused: false, reason: null, abort () {}, pause () {}, resume () {} }

function header (headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

function errorCode (err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Names the host of a Location header (never its path or query, which could carry anything). */
function redirectRefused (status: number, headers: ResponseHeaders, request: UpstreamRequest, origins: readonly string[], requestId: string | undefined): ZuoraError {
  const location = header(headers, 'location')
  let host = 'an unknown location'
  let same = false
  if (location !== undefined) {
    try {
      const target = new URL(location, request.url)
      host = target.host
      same = origins.includes(target.origin) && target.username === '' && target.password === ''
    } catch {
      host = 'an unparseable location'
    }
  }
  return new ZuoraError(
    `${ENDPOINT_LABEL[request.endpoint]} failed: HTTP ${status} redirect to ${host} (${same ? 'on the same host' : 'off the configured Zuora hosts'}) refused; ` +
    'redirects are never followed: check the tenant base URL, token URL and SCIM base URL (data center)' +
    requestIdSuffix(requestId),
    { kind: 'upstream', endpoint: request.endpoint, upstreamStatus: status, requestId })
}

export function createUpstream (options: UpstreamOptions) {
  const clock = options.clock ?? realClock
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  const maxAttempts = Math.max(1, options.maxAttempts)
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000
  const observer = safeObserver(options.observer)
  const counters = { rateLimitWaits: 0, rateLimitWaitMs: 0, requests: 0, retries: 0 }
  let closed = false
  const closing = new AbortController()
  setMaxListeners(0, closing.signal)
  const max = Math.max(1, options.maxConcurrency)
  const waiting: Array<{ run(): void, fail(err: unknown): void }> = []
  /** Handlers seen before: their next dispatch is a retry and goes first in line. */
  const seen = new WeakSet<object>()
  /** Requests sleeping through their own backoff before they queue again. */
  const sleeping = new Set<() => void>()
  let active = 0
  let pausedUntil = 0
  let nextStartAt = 0
  let paceIntervalMs = 0
  let paceUntil = 0
  let wake: { at: number, cancel: () => void } | undefined

  function pump (): void {
    while (!closed && active < max && waiting.length > 0) {
      const now = clock.now()
      const until = Math.max(pausedUntil, nextStartAt)
      if (now < until) {
        if (wake === undefined || wake.at > until) {
          wake?.cancel()
          wake = { at: until, cancel: clock.schedule(() => { wake = undefined; pump() }, until - now) }
        }
        return
      }
      if (paceIntervalMs > 0 && now < paceUntil) nextStartAt = now + paceIntervalMs
      ;(waiting.shift() as typeof waiting[number]).run()
    }
  }

  /** Every queued and retried request waits `delayMs` from now (a longer pause already running is kept). */
  function pause (delayMs: number, reason: string): void {
    const now = clock.now()
    const until = now + delayMs
    if (until <= pausedUntil) return
    if (pausedUntil <= now) {
      counters.rateLimitWaits++
      options.logger?.info({ waitMs: delayMs, reason }, 'zuora queue paused')
    }
    counters.rateLimitWaitMs += until - Math.max(pausedUntil, now)
    pausedUntil = until
    observer.rateLimitWait({ waitMs: delayMs })
  }

  /** Reads ratelimit-remaining / ratelimit-reset and slows starts down before the quota runs out. */
  function pace (status: number, headers: ResponseHeaders): void {
    const remaining = parseRateLimit(headers['ratelimit-remaining'])
    const resetS = parseRateLimit(headers['ratelimit-reset'])
    if (remaining === undefined || resetS === undefined || status === 429) return
    const reset = resetS * 1000
    const now = clock.now()
    if (remaining > max) {
      paceIntervalMs = 0
    } else if (remaining === 0) {
      pause(Math.min(reset, maxRetryAfterMs), 'ratelimit-remaining 0')
    } else {
      paceIntervalMs = Math.min(Math.ceil(reset / (remaining + 1)), maxRetryAfterMs)
      paceUntil = now + reset
      nextStartAt = Math.max(nextStartAt, now + paceIntervalMs)
    }
  }

  const gate: Dispatcher.DispatcherComposeInterceptor = dispatch => (opts, handler) => {
    const { attempts: a, signal } = opts as Dispatcher.DispatchOptions & { attempts: Attempts, signal?: AbortSignal }
    const { endpoint } = a.request
    // Assigned once the request sleeps (below); onAbort may run before that, so it cannot be a const.
    // eslint-disable-next-line prefer-const
    let wakeUp: (() => void) | undefined
    const onAbort = (): void => {
      const i = waiting.indexOf(waiter)
      if (i >= 0) waiting.splice(i, 1)
      if (wakeUp !== undefined) sleeping.delete(wakeUp)
      waiter.fail(signal?.reason)
    }
    const waiter: typeof waiting[number] = {
      run () {
        signal?.removeEventListener('abort', onAbort)
        active++
        const started = clock.now()
        counters.requests++
        a.request.onAttempt?.()
        let status: number | undefined
        let done = false
        const release = (outcome: number | 'error'): void => {
          if (done) return
          done = true
          active--
          const durationMs = clock.now() - started
          observer.request({ endpoint, status: outcome, durationMs })
          options.logger?.debug({ endpoint, method: opts.method, path: opts.path, status: outcome, durationMs }, 'zuora attempt')
          pump()
        }
        try {
          dispatch(opts, {
            onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
            onRequestUpgrade: (c, s, h, socket) => handler.onRequestUpgrade?.(c, s, h, socket),
            onResponseStart: (c, s, h, m) => {
              status = s
              pace(s, h)
              return handler.onResponseStart?.(c, s, h, m)
            },
            onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
            onResponseEnd: (c, trailers) => {
              release(status ?? 'error')
              return handler.onResponseEnd?.(c, trailers)
            },
            onResponseError: (c, err) => {
              release('error')
              return handler.onResponseError?.(c, err)
            }
          })
        } catch (err) {
          release('error')
          handler.onResponseError?.(NOT_STARTED, err as Error)
        }
      },
      fail (err) {
        signal?.removeEventListener('abort', onAbort)
        handler.onResponseError?.(NOT_STARTED, err instanceof Error ? err : new Error('aborted'))
      }
    }
    if (closed) {
      waiter.fail(new Error('closed'))
      return true
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const first = seen.has(handler) || a.request.first === true
    seen.add(handler)
    const enqueue = (): void => {
      if (first) waiting.unshift(waiter)
      else waiting.push(waiter)
      pump()
    }
    const at = a.notBefore ?? 0
    if (at <= clock.now()) {
      enqueue()
      return true
    }
    const cancel = clock.schedule(() => {
      if (wakeUp !== undefined && sleeping.delete(wakeUp)) enqueue()
    }, at - clock.now())
    wakeUp = () => { cancel(); waiter.fail(new Error('closed')) }
    sleeping.add(wakeUp)
    return true
  }

  const owned = options.dispatcher === undefined
  const base: Dispatcher = options.dispatcher ?? new Agent({
    connections: options.maxConcurrency,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: { timeout: Math.min(10_000, options.timeoutMs) },
    maxResponseSize: maxBytes,
    keepAliveTimeout: 10_000
  })
  const dispatcher = base.compose(gate, interceptors.retry({ throwOnError: false }))

  function transportError (err: unknown, request: UpstreamRequest): ZuoraError {
    if (err instanceof ZuoraError) return err
    const { endpoint } = request
    const fail = (kind: ZuoraErrorKind, text: string, extra: { cause?: unknown, code?: string } = {}): ZuoraError =>
      new ZuoraError(`${ENDPOINT_LABEL[endpoint]} ${text}`, { kind, endpoint, ...extra })
    const code = errorCode(err)
    if (request.signal?.aborted === true) return fail('aborted', 'aborted', { cause: err })
    if (closed || code === 'UND_ERR_DESTROYED' || code === 'UND_ERR_CLOSED') return fail('aborted', 'aborted: the Zuora connection is closed')
    if (/^UND_ERR_(HEADERS|BODY|CONNECT)_TIMEOUT$/.test(code ?? '')) return fail('timeout', `timed out after ${options.timeoutMs} ms`)
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE' || code === 'ERR_BUFFER_TOO_LARGE') return fail('payload', `failed: response too large (more than ${maxBytes} bytes)`)
    if (code?.startsWith('Z_') === true) return fail('payload', 'failed: could not decode the compressed response body')
    const why = code ?? (err instanceof Error ? err.name : 'error')
    return fail('unavailable', `failed: network error (${why})`, { code: why })
  }

  /**
   * RetryHandler's question after a failed attempt: try again, or hand the failure to the caller. Answered at
   * once (a response is never held open meanwhile); the wait happens in the gate: a pause for everyone after a
   * 429 or a Retry-After, this request's own backoff otherwise.
   */
  function decide (a: Attempts, signal: AbortSignal) {
    return (err: Error, { state }: { state: { counter: number } }, cb: (err?: Error | null) => void): void => {
      a.count = state.counter
      const status = (err as { statusCode?: number }).statusCode
      if (closed || signal.aborted) return cb(err)
      const endpoint = a.request.endpoint
      if (status === undefined) {
        // a transport failure before the response head: timeouts and resets are worth another attempt
        const kind = transportError(err, a.request).kind
        if ((kind !== 'timeout' && kind !== 'unavailable') || a.count >= maxAttempts) return cb(err)
        counters.retries++
        observer.retry({ endpoint, reason: kind === 'timeout' ? 'timeout' : 'network' })
        a.notBefore = clock.now() + backoffDelay(a.count, options.backoff)
        return cb(null)
      }
      if (!RETRYABLE_STATUSES.has(status)) return cb(err)
      const headers = (err as { headers?: ResponseHeaders }).headers ?? {}
      const delay = retryDelay({ headers, status, attempt: a.count, now: clock.now(), backoff: options.backoff })
      const serverTold = delay.source !== 'backoff'
      a.serverWaitMs = serverTold ? delay.delayMs : undefined
      if (a.count >= maxAttempts || (serverTold && delay.delayMs > maxRetryAfterMs)) return cb(err)
      counters.retries++
      observer.retry({ endpoint, reason: String(status) })
      options.logger?.debug({ endpoint, attempt: a.count, status, delayMs: delay.delayMs, source: delay.source }, 'zuora retry')
      if (status === 429 || serverTold) pause(delay.delayMs, status === 429 ? '429' : `${status} Retry-After`)
      else a.notBefore = clock.now() + delay.delayMs
      cb(null)
    }
  }

  async function decode (raw: Buffer, encoding: string | undefined, request: UpstreamRequest): Promise<string> {
    const enc = (encoding ?? '').trim().toLowerCase()
    if (enc === '' || enc === 'identity') return raw.toString('utf8')
    const decoder = enc === 'gzip' || enc === 'x-gzip' ? gunzipAsync : enc === 'deflate' ? inflateAsync : undefined
    if (decoder === undefined) {
      throw new ZuoraError(`${ENDPOINT_LABEL[request.endpoint]} failed: unsupported content-encoding "${enc.slice(0, 32)}"`, { kind: 'payload', endpoint: request.endpoint })
    }
    return (await decoder(raw, { maxOutputLength: maxBytes })).toString('utf8')
  }

  /** The error for a retryable status the retries did not get past. */
  function spent (a: Attempts, res: Parameters<typeof errorFromResponse>[1]): ZuoraError {
    const { request, count: attempts, serverWaitMs: retryAfterMs } = a
    const e = errorFromResponse(request.endpoint, res, { secrets: request.secrets?.() ?? [], what: request.what, attempts, retryAfterMs })
    if (a.serverWaitMs === undefined || a.serverWaitMs <= maxRetryAfterMs) return e
    return e.withMessage(`${e.message}; Zuora asked to wait ${Math.ceil(a.serverWaitMs / 1000)} s, longer than the ${Math.ceil(maxRetryAfterMs / 1000)} s this client waits`)
  }

  async function send (request: UpstreamRequest) {
    const a: Attempts = { request, count: 1 }
    const signal = request.signal === undefined ? closing.signal : AbortSignal.any([request.signal, closing.signal])
    const url = new URL(request.url)
    const headers: Record<string, string> = {
      accept: 'application/scim+json, application/json',
      'accept-encoding': 'gzip',
      // Zuora-Track-Id: at most 64 US-ASCII characters, none of `: ; " '`
      'zuora-track-id': `zc1-${randomUUID()}`,
      ...request.headers
    }
    try {
      if (closed) throw new Error('closed')
      if (request.signal?.aborted === true) throw request.signal.reason
      const res = await dispatcher.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method,
        headers,
        body: request.body ?? null,
        signal,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
        retryOptions: { retry: decide(a, signal) },
        attempts: a
      } as Dispatcher.RequestOptions)
      const resHeaders = res.headers as ResponseHeaders
      const requestId = header(resHeaders, 'zuora-request-id')
      request.onStatus?.(res.statusCode)
      if (res.statusCode >= 300 && res.statusCode < 400) {
        res.body.destroy()
        throw redirectRefused(res.statusCode, resHeaders, request, options.origins, requestId)
      }
      const text = await decode(Buffer.from(await res.body.arrayBuffer()), header(resHeaders, 'content-encoding'), request)
      const response = { status: res.statusCode, text, contentType: header(resHeaders, 'content-type'), requestId }
      if (RETRYABLE_STATUSES.has(res.statusCode)) throw spent(a, response)
      return response
    } catch (err) {
      const e = transportError(err, request)
      if (a.count <= 1 || e.upstreamStatus !== undefined || e.kind === 'aborted') throw e
      throw e.withMessage(`${e.message} (after ${a.count} attempts)`)
    }
  }

  return {
    send,
    stats () {
      const paused = pausedUntil > clock.now()
      return { active, queued: waiting.length + sleeping.size, paused, pausedUntil: paused ? pausedUntil : null, ...counters }
    },
    /** Fails every waiting request and refuses new ones; in-flight requests are aborted by the closing signal. */
    async close () {
      if (closed) return
      closed = true
      wake?.cancel()
      for (const w of waiting.splice(0)) w.fail(new Error('closed'))
      for (const w of sleeping) w()
      sleeping.clear()
      closing.abort()
      if (owned) await base.close()
    }
  }
}

export type Upstream = ReturnType<typeof createUpstream>
export type UpstreamResponse = Awaited<ReturnType<Upstream['send']>>
