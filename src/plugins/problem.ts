/**
 * Every error answer is RFC 9457 `application/problem+json`: what `problemFromError` makes of it, unknown paths 404,
 * known paths with another method 405 + Allow, requests the HTTP parser rejects as problems too. Every response
 * carries `x-request-id`. Also the OpenAPI examples of those answers (`problemExamples`, for the swagger plugin).
 */
import { STATUS_CODES } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyError, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify'
import fp from 'fastify-plugin'
import { metricsUnauthorized, unauthorized } from '#src/api/auth.ts'
import { DEMO_IDS, EX_JOB_ID, EX_SYNC_ID } from '#src/api/examples.ts'
import { REQUEST_ID_HEADER, pathOnly } from '#src/api/logging.ts'
import { invalidId, invalidPageToken, notFound, snapshotExpired, snapshotNotReady } from '#src/api/paging.ts'
import { unsafeIdReason } from '#src/c1/ids.ts'
import { HttpProblem, PROBLEM_CONTENT_TYPE, parameterProblem, problemFromError, problemJson, problemType } from '#src/api/problem.ts'
import { badQuery, diffNotAcceptable, syncJobNotFound, syncUnavailable } from '#src/api/sync.ts'
import { isZuoraError } from '#src/zuora/errors.ts'

export default fp(async (app) => {
  app.setErrorHandler(handleError)
  app.setNotFoundHandler(handleNotFound)
  // No query parameter of this API repeats: `?pageSize=5&pageSize=6` (an array to the querystring parser) gets a
  // clear answer, not "must be integer".
  app.addHook('preValidation', async (request) => {
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (!Array.isArray(value)) continue
      const message = `is given ${value.length} times; send it once`
      throw parameterProblem('querystring', name, 'Invalid request', `The query parameter '${name}' ${message}.`, { type: 'invalid-request', message })
    }
  })
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header(REQUEST_ID_HEADER, request.id)
    done(null, payload)
  })
}, { name: 'problem' })

function handleError (err: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const problem = problemFromError(err)
  if (isZuoraError(err)) {
    request.log.warn({ err: err.toJSON() }, `upstream failure: ${problem.title}`)
  } else if (err instanceof HttpProblem && problem.statusCode >= 500) {
    // A deliberate 5xx (no snapshot yet, shutting down): expected, not a crash.
    request.log.warn({ status: problem.statusCode, type: problem.type }, problem.title)
  } else if (problem.statusCode >= 500) {
    request.log.error({ err }, 'unexpected error; answered 500')
  } else {
    request.log.info({ status: problem.statusCode, type: problem.type }, problem.title)
  }
  return sendProblem(request, reply, problem)
}

const METHODS: readonly HTTPMethods[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

function handleNotFound (request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = pathOnly(request.url)
  // Methods that have a route for this concrete path (none: the path is unknown).
  const allowed = METHODS.filter(method => {
    try {
      return request.server.findRoute({ method, url: path }) !== null
    } catch {
      return false
    }
  })
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
    : problemFromError(err)
  reply.header(REQUEST_ID_HEADER, request.id)
  sendProblem(request, reply, problem)
}

/**
 * For the `clientErrorHandler` server option: requests Node's HTTP parser rejects before Fastify sees them
 * (oversized headers, malformed request lines, header timeouts) are answered as problems too, then closed.
 */
export function clientErrorHandler (err: NodeJS.ErrnoException, socket: Socket): void {
  if (!socket.writable) return
  const [status, slug, title, detail] = err.code === 'HPE_HEADER_OVERFLOW'
    ? [431, 'headers-too-large', 'Request header fields too large', 'The request line and headers exceed the server limit (16 KiB); send a shorter URL or fewer headers.']
    : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request-timeout', 'Request timeout', 'The request was not received in time; retry.']
      : [400, 'bad-request', 'Bad request', 'The request is not valid HTTP/1.1.']
  const body = JSON.stringify({ type: problemType(slug), title, status, detail })
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`)
}

/** The problem's answer; its instance is `path (request <id>)`, without the query (filters, page tokens). */
function sendProblem (request: FastifyRequest, reply: FastifyReply, problem: HttpProblem): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value)
  return reply.code(problem.statusCode).type(PROBLEM_CONTENT_TYPE).send(problemJson(problem, `${pathOnly(request.url)} (request ${request.id})`))
}

// OpenAPI examples of the error answers, made by the builders the routes throw with: one per problem type.

function validation (context: string, field: string, keyword: string, message: string): HttpProblem {
  return problemFromError({ validation: [{ instancePath: `/${field}`, keyword, message, params: {} }], validationContext: context })
}

const isList = (path: string, method: string): boolean =>
  method === 'get' && !/\{id\}$/.test(path) && !path.startsWith('/health') && !['/metrics', '/openapi.json', '/sync/jobs'].includes(path)

/** The problems `method path` answers with at `status` (empty: none documented). */
function problemsFor (method: string, path: string, status: number, kind: keyof typeof DEMO_IDS | undefined): HttpProblem[] {
  switch (status) {
    case 400: {
      const out: HttpProblem[] = []
      if (kind !== undefined) out.push(invalidId(kind, 'a:b', unsafeIdReason('a:b') as string))
      if (path === '/sync/jobs/{id}') out.push(validation('params', 'id', 'pattern', 'must match pattern "^job_[0-9A-Za-z]{27}$"'))
      if (isList(path, method)) {
        out.push(validation('querystring', 'pageSize', 'maximum', 'must be <= 250'))
        out.push(invalidPageToken('The pageToken is not one this service issued (or it was altered).'))
      }
      if (path === '/sync') out.push(badQuery('since', 'since must be a syncId (27 base62 characters, as in a page\'s syncId), not "yesterday".'))
      // One title per problem kind: the first of each (type, title) pair.
      return out.filter((p, i) => out.findIndex((q) => q.type === p.type && q.title === p.title) === i)
    }
    case 401:
      return path === '/metrics'
        ? [metricsUnauthorized(true), metricsUnauthorized(false)]
        : [unauthorized({ code: 'FST_BEARER_AUTH_MISSING_AUTHORIZATION_HEADER' }), unauthorized({ code: 'FST_BEARER_AUTH_INVALID_AUTHORIZATION_HEADER' })]
    case 404:
      if (path === '/sync/jobs/{id}') return [syncJobNotFound(EX_JOB_ID)]
      return kind !== undefined ? [notFound(kind, kind === 'role' ? 'NO_SUCH_ROLE' : '00000000-0000-0000-0000-000000000000')] : []
    case 406:
      return [diffNotAcceptable()]
    case 410:
      return [snapshotExpired(EX_SYNC_ID, '2yQ9Tm0aL4xW8pF2nB6cR1vZk7s')]
    case 415:
      return [problemFromError({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' })]
    case 503:
      if (path === '/health/ready') {
        return [new HttpProblem(503, 'Not ready', `no snapshot yet: the first sync (${EX_JOB_ID}) is in phase pages`, { type: 'not-ready' })]
      }
      return [path === '/sync' && method === 'post' ? syncUnavailable() : snapshotNotReady(undefined, undefined)]
    default:
      return []
  }
}

/** Named OpenAPI examples (Example Objects) for `method path` at `status`, keyed by problem slug. */
export function problemExamples (method: string, path: string, status: number): Record<string, { summary: string, value: Record<string, unknown> }> {
  // The resource kind of a `/<kind>s/{id}…` path, if any.
  const [, first = '', second] = path.split('/')
  const kind = second === '{id}' && ['users', 'groups', 'roles'].includes(first) ? first.slice(0, -1) as keyof typeof DEMO_IDS : undefined
  const out: Record<string, { summary: string, value: Record<string, unknown> }> = {}
  for (const problem of problemsFor(method, path, status, kind)) {
    const slug = problem.type.slice(problem.type.lastIndexOf('/') + 1)
    const id = slug === 'invalid-id' ? 'a%3Ab' : typeof problem.extra.id === 'string' ? problem.extra.id : kind !== undefined ? DEMO_IDS[kind] : EX_JOB_ID
    let key = slug
    for (let i = 2; key in out; i++) key = `${slug}-${i}`
    out[key] = { summary: problem.title, value: problemJson(problem, `${path.replace('{id}', id)} (request req-1)`) }
  }
  return out
}
