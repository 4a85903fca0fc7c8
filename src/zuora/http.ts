/**
 * One HTTP exchange with Zuora: timeouts, a response byte cap, no redirects, Accept and Zuora-Track-Id
 * headers, Zuora-Request-Id captured. Returns every non-3xx response as is (the queue and the callers decide
 * what a status means); transport failures become ZuoraErrors ('timeout', 'unavailable', 'aborted', 'payload').
 */
import { randomUUID } from 'node:crypto'
import { setMaxListeners } from 'node:events'
import { promisify } from 'node:util'
import { gunzip, inflate } from 'node:zlib'
import { Agent, type Dispatcher } from 'undici'
import { isAllowedUpstreamUrl, type UpstreamUrlPolicy } from './data-centers.ts'
import { endpointLabel, ZuoraError } from './errors.ts'
import type { ZuoraLogger } from './logger.ts'
import { safeObserver } from './observer.ts'
import type { UpstreamEndpoint, UpstreamObserver } from './types.ts'

const gunzipAsync = promisify(gunzip)
const inflateAsync = promisify(inflate)

/** Default response cap: a SCIM page of 100 users is ~100 KB; 32 MiB leaves room and stops a runaway body. */
export const DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024

export const ACCEPT = 'application/scim+json, application/json'

export type ResponseHeaders = Record<string, string | string[] | undefined>

export interface UpstreamRequest {
  readonly endpoint: UpstreamEndpoint
  readonly method: 'GET' | 'POST'
  readonly url: string
  readonly headers?: Readonly<Record<string, string>>
  readonly body?: string
  readonly signal?: AbortSignal
  /** Called with the status as soon as the response head arrives (before the body is read). */
  readonly onStatus?: (status: number) => void
}

export interface UpstreamResponse {
  readonly status: number
  readonly headers: ResponseHeaders
  readonly text: string
  readonly contentType: string | undefined
  /** Zuora-Request-Id response header, when present. */
  readonly requestId: string | undefined
  /** The Zuora-Track-Id we sent. */
  readonly trackId: string
  readonly durationMs: number
}

export interface HttpClientOptions {
  /** Injected dispatcher (tests: MockAgent); otherwise the client creates and owns an Agent. */
  readonly dispatcher?: Dispatcher
  readonly timeoutMs: number
  readonly maxResponseBytes?: number
  /** Connections per origin for the owned Agent. */
  readonly connections?: number
  /** Origins and host rules, to describe refused redirects. */
  readonly policy: UpstreamUrlPolicy
  readonly observer?: UpstreamObserver
  readonly logger?: ZuoraLogger
  readonly now?: () => number
}

export interface HttpClient {
  send(request: UpstreamRequest): Promise<UpstreamResponse>
  /** Closes the dispatcher if this client created it (an injected one is left to its owner). */
  close(): Promise<void>
  readonly dispatcher: Dispatcher
}

/** Zuora-Track-Id: at most 64 US-ASCII characters, none of `: ; " '`. */
export function newTrackId (): string {
  return `zc1-${randomUUID()}`
}

function header (headers: ResponseHeaders, name: string): string | undefined {
  const v = headers[name]
  return Array.isArray(v) ? v[0] : v
}

/** True when a Location header resolves to an allowed upstream URL (an unparseable one never does). */
function sameHostRedirect (location: string | undefined, base: string, policy: Parameters<typeof isAllowedUpstreamUrl>[1]): boolean {
  try {
    return isAllowedUpstreamUrl(new URL(location ?? '/', base).href, policy)
  } catch {
    return false
  }
}

/** The host of a Location header (never its path or query, which could carry anything). */
function locationHost (location: string | undefined, base: string): string {
  if (location === undefined) return 'an unknown location'
  try {
    return new URL(location, base).host
  } catch {
    return 'an unparseable location'
  }
}

function errorCode (err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

export function createHttpClient (options: HttpClientOptions): HttpClient {
  const now = options.now ?? Date.now
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  const observer = safeObserver(options.observer)
  const owned = options.dispatcher === undefined
  // undici 7 follows no redirects unless the redirect interceptor is composed in (we never do): a 3xx
  // comes back as a response and is refused below.
  const dispatcher: Dispatcher = options.dispatcher ?? new Agent({
    connections: options.connections ?? 8,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: { timeout: Math.min(10_000, options.timeoutMs) },
    maxResponseSize: maxBytes,
    keepAliveTimeout: 10_000
  })
  let closed = false
  /** Aborts every in-flight request when the client closes. */
  const closing = new AbortController()
  setMaxListeners(0, closing.signal)

  async function readBody (body: Dispatcher.ResponseData['body'], endpoint: UpstreamEndpoint, declaredLength: number | undefined): Promise<Buffer> {
    if (declaredLength !== undefined && declaredLength > maxBytes) {
      body.destroy()
      throw tooLarge(endpoint, declaredLength)
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of body) {
      const buf = chunk as Buffer
      size += buf.length
      if (size > maxBytes) {
        body.destroy()
        throw tooLarge(endpoint, size)
      }
      chunks.push(buf)
    }
    return Buffer.concat(chunks, size)
  }

  function tooLarge (endpoint: UpstreamEndpoint, bytes: number): ZuoraError {
    return new ZuoraError(`${endpointLabel(endpoint)} failed: response too large (more than ${maxBytes} bytes; got at least ${bytes})`, { kind: 'payload', endpoint })
  }

  async function decode (raw: Buffer, encoding: string | undefined, endpoint: UpstreamEndpoint): Promise<string> {
    const enc = (encoding ?? '').trim().toLowerCase()
    if (enc === '' || enc === 'identity') return raw.toString('utf8')
    try {
      if (enc === 'gzip' || enc === 'x-gzip') return (await gunzipAsync(raw, { maxOutputLength: maxBytes })).toString('utf8')
      if (enc === 'deflate') return (await inflateAsync(raw, { maxOutputLength: maxBytes })).toString('utf8')
    } catch (err) {
      if (errorCode(err) === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(endpoint, maxBytes + 1)
      throw new ZuoraError(`${endpointLabel(endpoint)} failed: could not decode the ${enc} response body`, { kind: 'payload', endpoint })
    }
    throw new ZuoraError(`${endpointLabel(endpoint)} failed: unsupported content-encoding "${enc.slice(0, 32)}"`, { kind: 'payload', endpoint })
  }

  function transportError (err: unknown, request: UpstreamRequest, timedOut: boolean): ZuoraError {
    if (err instanceof ZuoraError) return err
    const label = endpointLabel(request.endpoint)
    const code = errorCode(err)
    if (request.signal?.aborted === true) {
      return new ZuoraError(`${label} aborted`, { kind: 'aborted', endpoint: request.endpoint, cause: err })
    }
    if (closed) {
      return new ZuoraError(`${label} aborted: the Zuora connection is closed`, { kind: 'aborted', endpoint: request.endpoint })
    }
    if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new ZuoraError(`${label} timed out after ${options.timeoutMs} ms`, { kind: 'timeout', endpoint: request.endpoint })
    }
    if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return tooLarge(request.endpoint, maxBytes + 1)
    if (code === 'UND_ERR_DESTROYED' || code === 'UND_ERR_CLOSED') {
      return new ZuoraError(`${label} aborted: the Zuora connection is closed`, { kind: 'aborted', endpoint: request.endpoint })
    }
    const why = code ?? (err instanceof Error ? err.name : 'error')
    return new ZuoraError(`${label} failed: network error (${why})`, { kind: 'unavailable', endpoint: request.endpoint, code: why })
  }

  async function send (request: UpstreamRequest): Promise<UpstreamResponse> {
    const started = now()
    const trackId = newTrackId()
    const url = new URL(request.url)
    const timeout = AbortSignal.timeout(options.timeoutMs)
    const signal = AbortSignal.any(request.signal !== undefined ? [request.signal, timeout, closing.signal] : [timeout, closing.signal])
    const headers: Record<string, string> = {
      accept: ACCEPT,
      'accept-encoding': 'gzip',
      'zuora-track-id': trackId,
      ...request.headers
    }
    if (request.body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json'
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
        bodyTimeout: options.timeoutMs
      })
      const resHeaders = res.headers as ResponseHeaders
      const requestId = header(resHeaders, 'zuora-request-id')
      request.onStatus?.(res.statusCode)
      if (res.statusCode >= 300 && res.statusCode < 400) {
        res.body.destroy()
        const location = header(resHeaders, 'location')
        const host = locationHost(location, request.url)
        const where = sameHostRedirect(location, request.url, options.policy) ? 'on the same host' : 'off the configured Zuora hosts'
        throw new ZuoraError(
          `${endpointLabel(request.endpoint)} failed: HTTP ${res.statusCode} redirect to ${host} (${where}) refused; ` +
          'redirects are never followed: check the tenant base URL, token URL and SCIM base URL (data center)' +
          (requestId !== undefined ? ` [Zuora-Request-Id ${requestId}]` : ''),
          { kind: 'upstream', endpoint: request.endpoint, upstreamStatus: res.statusCode, ...(requestId !== undefined ? { requestId } : {}) })
      }
      const lengthHeader = header(resHeaders, 'content-length')
      const declared = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined
      const raw = await readBody(res.body, request.endpoint, declared)
      const text = await decode(raw, header(resHeaders, 'content-encoding'), request.endpoint)
      const durationMs = now() - started
      observer.request({ endpoint: request.endpoint, status: res.statusCode, durationMs })
      options.logger?.debug({ endpoint: request.endpoint, method: request.method, path: url.pathname, status: res.statusCode, durationMs, requestId, trackId }, 'zuora response')
      return { status: res.statusCode, headers: resHeaders, text, contentType: header(resHeaders, 'content-type'), requestId, trackId, durationMs }
    } catch (err) {
      const error = transportError(err, request, timeout.aborted)
      const durationMs = now() - started
      observer.request({ endpoint: request.endpoint, status: error.upstreamStatus ?? 'error', durationMs })
      options.logger?.debug({ endpoint: request.endpoint, method: request.method, path: url.pathname, kind: error.kind, durationMs, trackId }, 'zuora request failed')
      throw error
    }
  }

  return {
    send,
    dispatcher,
    async close () {
      if (closed) return
      closed = true
      closing.abort()
      if (owned) await dispatcher.close()
    }
  }
}
