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
import { HttpProblem, PROBLEM_CONTENT_TYPE, isHttpProblem, problemJson, problemType } from '#src/api/problem.ts'
import { checkRepeatedQuery, problemFromError } from '#src/api/problem-mapping.ts'
import { isZuoraError } from '#src/zuora/errors.ts'

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
    request.log.warn({ err: err.toJSON() }, `upstream failure: ${problem.title}`)
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
// Rendering

/** The problem's answer; its instance is `path (request <id>)`, without the query (filters, page tokens). */
function sendProblem (request: FastifyRequest, reply: FastifyReply, problem: HttpProblem): FastifyReply {
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value)
  return reply.code(problem.statusCode).type(PROBLEM_CONTENT_TYPE).send(problemJson(problem, `${pathOnly(request.url)} (request ${request.id})`))
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
