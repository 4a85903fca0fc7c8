/**
 * Every error answer is RFC 9457 `application/problem+json`: route problems (HttpProblem) as thrown, schema
 * validation as 400 naming the parameter, body/content-type trouble as 4xx, Zuora failures as 502/503/504,
 * unknown paths 404, known paths with another method 405 + Allow, anything unexpected a generic 500 that only
 * the log explains. Every response carries `x-request-id`.
 */
import { STATUS_CODES } from 'node:http'
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import fp from 'fastify-plugin'
import { REQUEST_ID_HEADER, pathOnly } from '#src/api/logging.ts'
import { HttpProblem, PROBLEM_CONTENT_TYPE, isHttpProblem, parameterProblem, problemJson, problemType } from '#src/api/problem.ts'
import { isZuoraError } from '#src/zuora/errors.ts'
import type { ZuoraError } from '#src/zuora/errors.ts'

export default fp(async (app) => {
  app.setErrorHandler(handleError)
  app.setNotFoundHandler(handleNotFound)
  // No query parameter of this API repeats: `?pageSize=5&pageSize=6` gets a clear answer, not "must be integer".
  app.addHook('preValidation', async (request) => { checkRepeatedQuery(request.query) })
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header(REQUEST_ID_HEADER, request.id)
    done(null, payload)
  })
}, { name: 'problem' })

// ---------------------------------------------------------------------------------------------------------
// Handlers

function handleError (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = problemFromError(err)
  if (isZuoraError(err)) {
    request.log.warn({ err: (err as ZuoraError).toJSON() }, `upstream failure: ${problem.title}`)
  } else if (isHttpProblem(err) && problem.statusCode >= 500) {
    // A deliberate 5xx (no snapshot yet, shutting down): expected, not a crash.
    request.log.warn({ status: problem.statusCode, type: problem.type }, problem.title)
  } else if (problem.statusCode >= 500) {
    request.log.error({ err }, 'unexpected error; answered 500')
  } else {
    request.log.info({ status: problem.statusCode, type: problem.type }, problem.title)
  }
  return sendProblem(request, reply, problem)
}

function handleNotFound (request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = pathOnly(request.url)
  const allowed = allowedMethods(request.server, path)
  const problem = allowed.length > 0
    ? new HttpProblem(405, 'Method not allowed',
      `${request.method} is not supported on ${path}; use ${allowed.join(', ')}.`,
      { type: 'method-not-allowed', headers: { allow: allowed.join(', ') } })
    : new HttpProblem(404, 'Not found',
      `No resource at ${path}; the API is described at /openapi.json and /docs.`,
      { type: 'not-found' })
  return sendProblem(request, reply, problem)
}

/**
 * For the `frameworkErrors` server option: malformed URLs (bad percent-encoding) and oversized path
 * parameters, which Fastify answers before routing, become problems too.
 */
export function frameworkErrors (err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const problem = err.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? new HttpProblem(414, 'URI too long', 'A path segment is longer than any valid id; check the URL.', { type: 'uri-too-long' })
    : err.code === 'FST_ERR_BAD_URL'
      ? new HttpProblem(400, 'Malformed URL', 'The URL path is not valid percent-encoding; encode ids with encodeURIComponent.', { type: 'bad-url' })
      : problemFromError(err)
  reply.header(REQUEST_ID_HEADER, request.id)
  sendProblem(request, reply, problem)
}

/**
 * For the `clientErrorHandler` server option: requests Node's HTTP parser rejects before Fastify sees them
 * (oversized headers, malformed request lines, header timeouts) are answered as problems too, then closed.
 */
export function clientErrorHandler (err: NodeJS.ErrnoException, socket: import('node:net').Socket): void {
  if (!socket.writable) return
  const [status, slug, title, detail] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'headers-too-large', 'Request header fields too large', 'The request line and headers exceed the server limit (16 KiB); send a shorter URL or fewer headers.']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request-timeout', 'Request timeout', 'The request was not received in time; retry.']
      : [400, 'bad-request', 'Bad request', 'The request is not valid HTTP/1.1.']
  const body = JSON.stringify({ type: problemType(slug), title, status, detail })
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
}

// ---------------------------------------------------------------------------------------------------------
// Mapping (pure)

/** Throws a 400 problem when a query parameter is given more than once (the querystring parser makes it an array). */
export function checkRepeatedQuery (query: unknown): void {
  if (query === null || typeof query !== 'object') return
  for (const [name, value] of Object.entries(query)) {
    if (!Array.isArray(value)) continue
    const message = `is given ${value.length} times; send it once`
    throw parameterProblem('querystring', name, 'Invalid request', `The query parameter '${name}' ${message}.`, { type: 'invalid-request', message })
  }
}

/** The problem a thrown error becomes. Messages of unexpected errors never reach the caller. */
export function problemFromError (err: unknown): HttpProblem {
  if (isHttpProblem(err)) return err
  if (isZuoraError(err)) return zuoraProblem(err)
  const e = (err ?? {}) as Partial<FastifyError> & { validation?: unknown }
  if (Array.isArray(e.validation)) return validationProblem(e.validation as AjvError[], e.validationContext)
  const known = e.code !== undefined ? FASTIFY_PROBLEMS[e.code] : undefined
  if (known !== undefined) return known()
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500
  if (status >= 400 && status < 500) {
    const title = STATUS_CODES[status] ?? 'Bad request'
    return new HttpProblem(status, title, sentence(typeof e.message === 'string' && e.message !== '' ? e.message : title))
  }
  return new HttpProblem(500, 'Internal error',
    'The service failed unexpectedly while answering; the error is logged under this request id. Retry later, and report the instance if it persists.',
    { type: 'internal-error' })
}

const FASTIFY_PROBLEMS: Readonly<Record<string, () => HttpProblem>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => new HttpProblem(415, 'Unsupported media type',
    'The request body has a content type this endpoint does not read; send application/json (or no body).',
    { type: 'unsupported-media-type' }),
  FST_ERR_CTP_BODY_TOO_LARGE: () => new HttpProblem(413, 'Payload too large',
    'The request body is larger than this service accepts; no endpoint needs more than a small JSON object.',
    { type: 'payload-too-large' }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => new HttpProblem(400, 'Bad request',
    'The request body size does not match its Content-Length header.', { type: 'bad-request' }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => new HttpProblem(400, 'Empty JSON body',
    'Content-Type is application/json but the body is empty; send a JSON value or omit the Content-Type header.',
    { type: 'malformed-body' }),
  FST_ERR_CTP_INVALID_JSON_BODY: () => new HttpProblem(400, 'Malformed JSON body',
    'The request body is not valid JSON; fix the body or omit it.', { type: 'malformed-body' }),
  FST_ERR_NOT_ACCEPTABLE: () => new HttpProblem(406, 'Not acceptable',
    'None of the media types in the Accept header can be produced; accept application/json.', { type: 'not-acceptable' }),
  FST_ERR_BAD_URL: () => new HttpProblem(400, 'Malformed URL',
    'The URL path is not valid percent-encoding; encode ids with encodeURIComponent.', { type: 'bad-url' })
}

/** The fields of an Ajv error we read. */
interface AjvError {
  readonly instancePath?: string
  readonly keyword?: string
  readonly message?: string
  readonly params?: Record<string, unknown>
}

const CONTEXT_LABEL: Readonly<Record<string, string>> = {
  querystring: 'query parameter',
  params: 'path parameter',
  headers: 'header',
  body: 'body field'
}

export interface ValidationItem {
  readonly in: string
  readonly parameter: string
  readonly message: string
}

/** One entry per Ajv error: where, which parameter, and what is expected. */
export function validationItems (errors: readonly AjvError[], context: string | undefined): ValidationItem[] {
  const where = context ?? 'request'
  return errors.map((e) => {
    const base = (e.instancePath ?? '').replace(/^\//, '').split('/').filter(Boolean).map(unescapePointer).join('.')
    const params = e.params ?? {}
    let parameter = base
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'required' && typeof params.missingProperty === 'string') {
      parameter = join(base, params.missingProperty)
      message = 'is required'
    } else if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      parameter = join(base, params.additionalProperty)
      message = 'is not a known parameter here; remove it'
    } else if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      message = `must be one of: ${params.allowedValues.map(v => String(v)).join(', ')}`
    }
    return { in: where, parameter: parameter === '' ? '(whole ' + where + ')' : parameter, message }
  })
}

function validationProblem (errors: readonly AjvError[], context: string | undefined): HttpProblem {
  const items = validationItems(errors, context)
  const label = CONTEXT_LABEL[context ?? ''] ?? 'value'
  const detail = items.map(i => `The ${label} '${i.parameter}' ${i.message}.`).join(' ') +
    ' Fix the value (see the endpoint in /openapi.json) and retry.'
  return new HttpProblem(400, 'Invalid request', detail, { type: 'invalid-request', extra: { errors: items } })
}

const ZUORA_TITLES: Readonly<Record<string, string>> = {
  auth: 'Zuora rejected the credentials',
  'rate-limited': 'Zuora rate limit',
  unavailable: 'Zuora unavailable',
  aborted: 'Zuora request aborted',
  timeout: 'Zuora timed out',
  payload: 'Unexpected Zuora response',
  upstream: 'Zuora request failed'
}

/** 502/503/504 naming what failed upstream; ZuoraError messages are sanitized at their source. */
export function zuoraProblem (err: ZuoraError): HttpProblem {
  const status = err.httpStatus
  const retryAfter = err.retryAfterMs !== undefined && status === 503 ? Math.max(1, Math.ceil(err.retryAfterMs / 1000)) : undefined
  return new HttpProblem(status, ZUORA_TITLES[err.kind] ?? 'Zuora request failed', sentence(err.message), {
    type: status === 502 ? 'upstream-error' : status === 503 ? 'upstream-unavailable' : 'upstream-timeout',
    ...(retryAfter !== undefined ? { headers: { 'retry-after': String(retryAfter) } } : {}),
    extra: {
      upstream: {
        kind: err.kind,
        endpoint: err.endpoint,
        ...(err.upstreamStatus !== undefined ? { status: err.upstreamStatus } : {}),
        ...(err.requestId !== undefined ? { zuoraRequestId: err.requestId } : {})
      }
    }
  })
}

// ---------------------------------------------------------------------------------------------------------
// Rendering

/** `path (request <id>)`: the query string is left out (it may carry filters and page tokens). */
export function problemInstance (request: FastifyRequest): string {
  return `${pathOnly(request.url)} (request ${request.id})`
}

/** The body of a problem answer (standard members win over extension members). */
export function problemBody (problem: HttpProblem, request: FastifyRequest): Record<string, unknown> {
  return problemJson(problem, problemInstance(request))
}

export function sendProblem (request: FastifyRequest, reply: FastifyReply, problem: HttpProblem): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value)
  return reply.code(problem.statusCode).type(PROBLEM_CONTENT_TYPE).send(problemBody(problem, request))
}

// ---------------------------------------------------------------------------------------------------------
// 405 support

const METHODS: readonly HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/** Methods that have a route for this concrete path (empty: the path is unknown). */
export function allowedMethods (app: FastifyInstance, path: string): string[] {
  return METHODS.filter(method => {
    try {
      return app.findRoute({ method, url: path }) !== null
    } catch {
      return false
    }
  })
}

function join (base: string, key: string): string {
  return base === '' ? key : `${base}.${key}`
}

function unescapePointer (s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~')
}

function sentence (s: string): string {
  const t = s.trim()
  return /[.!?)]$/.test(t) ? t : `${t}.`
}
