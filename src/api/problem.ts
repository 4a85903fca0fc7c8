/**
 * RFC 9457 problem details: every error answer is an `application/problem+json` body. Routes throw `HttpProblem`;
 * `problemFromError` says what any other error becomes (validation: 400 naming the parameter; Fastify's body errors:
 * 4xx; Zuora failures: 502/503/504; anything else: a 500 whose message never reaches the caller).
 */
import { STATUS_CODES } from 'node:http'
import { Type } from '@sinclair/typebox'
import type { FastifyError } from 'fastify'
import { ref } from '#src/c1/model.ts'
import { isZuoraError } from '#src/zuora/errors.ts'
import type { ZuoraError } from '#src/zuora/errors.ts'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'
const PROBLEM_BASE = 'https://zuora-c1-facade.local/problems/'

/** The `type` URI of a problem slug, e.g. `snapshot-expired`. Slugs are listed in docs/problems.md. */
export function problemType (slug: string): string {
  return `${PROBLEM_BASE}${slug}`
}

const DEFAULT_SLUGS: Readonly<Record<number, string>> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  410: 'gone',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  429: 'too-many-requests',
  500: 'internal-error',
  502: 'upstream-error',
  503: 'unavailable',
  504: 'upstream-timeout'
}

export class HttpProblem extends Error {
  readonly statusCode: number
  readonly title: string
  readonly detail: string
  readonly type: string
  readonly headers: Readonly<Record<string, string>>
  readonly extra: Readonly<Record<string, unknown>>

  /** `type`: the slug (default: from the status); `extra`: extension members of the body (the standard ones win). */
  constructor (status: number, title: string, detail: string,
    options: { type?: string, headers?: Record<string, string>, extra?: Record<string, unknown> } = {}) {
    super(detail)
    this.name = 'HttpProblem'
    this.statusCode = status
    this.title = title
    this.detail = detail
    this.type = problemType(options.type ?? DEFAULT_SLUGS[status] ?? (status >= 500 ? 'internal-error' : 'bad-request'))
    this.headers = options.headers ?? {}
    this.extra = options.extra ?? {}
  }
}

/**
 * 400 for one named request parameter: the detail for people, and `errors: [{in, parameter, message}]` for
 * programs (the shape schema validation failures have too).
 */
export function parameterProblem (where: 'querystring' | 'params', parameter: string, title: string, detail: string, options: { type: string, message?: string }): HttpProblem {
  return new HttpProblem(400, title, detail, {
    type: options.type,
    extra: { errors: [{ in: where, parameter, message: options.message ?? detail }] }
  })
}

/** The JSON body of a problem answered at `instance` (standard members win over extension members). */
export function problemJson (problem: HttpProblem, instance: string): Record<string, unknown> {
  return {
    ...problem.extra,
    type: problem.type,
    title: problem.title,
    status: problem.statusCode,
    detail: problem.detail,
    instance
  }
}

export const ProblemSchema = Type.Object({
  type: Type.String({ description: 'URI naming the kind of problem (see the README)' }),
  title: Type.String({ description: 'Short, stable summary of the problem kind' }),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  detail: Type.String({ description: 'What was wrong in this request, and how to fix it' }),
  instance: Type.String({ description: 'The request path and request id' }),
  errors: Type.Optional(Type.Array(Type.Object({
    in: Type.Optional(Type.String({ description: 'querystring, params, headers or body' })),
    parameter: Type.Optional(Type.String()),
    message: Type.String()
  }, { additionalProperties: true })))
}, {
  $id: 'Problem',
  additionalProperties: true,
  description: 'RFC 9457 problem details (application/problem+json)',
  examples: [{
    type: problemType('snapshot-expired'),
    title: 'Page token expired',
    status: 410,
    detail: 'The page token belongs to snapshot 2Qx… which is no longer held; restart the walk without pageToken.',
    instance: '/users?pageToken=… (request req-1)'
  }]
})

/** What each error status of a route means on this API (the response description in OpenAPI). */
const PROBLEM_DESCRIPTIONS = {
  400: 'Invalid request: the problem names the parameter and how to fix it',
  401: 'Missing or invalid API token (send Authorization: Bearer <token>)',
  404: 'No such resource',
  406: 'None of the accepted media types can be produced',
  410: 'The snapshot the page token belongs to is no longer held; restart without pageToken',
  415: 'Unsupported request body media type',
  503: 'No snapshot yet (Retry-After says when to retry) or Zuora unavailable'
} as const

/** For a route's `schema.response`: `{ 200: …, ...problemResponses(400, 401, 503) }` (application/problem+json in OpenAPI). */
export function problemResponses<const S extends keyof typeof PROBLEM_DESCRIPTIONS> (...statuses: S[]) {
  const response = (status: S) => ({ ...ref(ProblemSchema), description: PROBLEM_DESCRIPTIONS[status] })
  return Object.fromEntries(statuses.map((status) => [status, response(status)])) as { [K in S]: ReturnType<typeof response> }
}

/** The problem a thrown error becomes. Messages of unexpected errors never reach the caller. */
export function problemFromError (err: unknown): HttpProblem {
  if (err instanceof HttpProblem) return err
  if (isZuoraError(err)) return zuoraProblem(err)
  const e = (err ?? {}) as Partial<FastifyError> & { validation?: unknown }
  if (Array.isArray(e.validation)) return validationProblem(e.validation, e.validationContext)
  const known = e.code !== undefined ? FASTIFY_PROBLEMS[e.code] : undefined
  if (known !== undefined) return new HttpProblem(...known)
  const status = typeof e.statusCode === 'number' ? e.statusCode : 500
  if (status >= 400 && status < 500) {
    const title = STATUS_CODES[status] ?? 'Bad request'
    return new HttpProblem(status, title, sentence(typeof e.message === 'string' && e.message !== '' ? e.message : title))
  }
  return new HttpProblem(500, 'Internal error',
    'The service failed unexpectedly while answering; the error is logged under this request id. Retry later, and report the instance if it persists.',
    { type: 'internal-error' })
}

const FASTIFY_PROBLEMS: Readonly<Record<string, ConstructorParameters<typeof HttpProblem>>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'Unsupported media type',
    'The request body has a content type this endpoint does not read; send application/json (or no body).',
    { type: 'unsupported-media-type' }],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'Payload too large',
    'The request body is larger than this service accepts; no endpoint needs more than a small JSON object.',
    { type: 'payload-too-large' }],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'Bad request',
    'The request body size does not match its Content-Length header.', { type: 'bad-request' }],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'Empty JSON body',
    'Content-Type is application/json but the body is empty; send a JSON value or omit the Content-Type header.',
    { type: 'malformed-body' }],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'Malformed JSON body',
    'The request body is not valid JSON; fix the body or omit it.', { type: 'malformed-body' }],
  FST_ERR_NOT_ACCEPTABLE: [406, 'Not acceptable',
    'None of the media types in the Accept header can be produced; accept application/json.', { type: 'not-acceptable' }],
  FST_ERR_BAD_URL: [400, 'Malformed URL',
    'The URL path is not valid percent-encoding; encode ids with encodeURIComponent.', { type: 'bad-url' }]
}

const CONTEXT_LABEL: Readonly<Record<string, string>> = { querystring: 'query parameter', params: 'path parameter', headers: 'header', body: 'body field' }

type AjvError = { instancePath?: string, keyword?: string, message?: string, params?: Record<string, unknown> }

/** One `errors[]` entry per Ajv error (where, which parameter, what is expected), and a detail naming them all. */
function validationProblem (errors: readonly AjvError[], context: string | undefined): HttpProblem {
  const where = context ?? 'request'
  const items = errors.map((e) => {
    const base = (e.instancePath ?? '').replace(/^\//, '').split('/').filter(Boolean)
      .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.')
    const params = e.params ?? {}
    const join = (key: string): string => base === '' ? key : `${base}.${key}`
    let parameter = base
    let message = e.message ?? 'is invalid'
    if (e.keyword === 'required' && typeof params.missingProperty === 'string') {
      parameter = join(params.missingProperty)
      message = 'is required'
    } else if (e.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
      parameter = join(params.additionalProperty)
      message = 'is not a known parameter here; remove it'
    } else if (e.keyword === 'enum' && Array.isArray(params.allowedValues)) {
      message = `must be one of: ${params.allowedValues.map(v => String(v)).join(', ')}`
    }
    return { in: where, parameter: parameter === '' ? '(whole ' + where + ')' : parameter, message }
  })
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
function zuoraProblem (err: ZuoraError): HttpProblem {
  const status = err.httpStatus
  const retryAfter = err.retryAfterMs !== undefined && status === 503 ? Math.max(1, Math.ceil(err.retryAfterMs / 1000)) : undefined
  return new HttpProblem(status, ZUORA_TITLES[err.kind] ?? 'Zuora request failed', sentence(err.message), {
    type: status === 502 ? 'upstream-error' : status === 503 ? 'upstream-unavailable' : 'upstream-timeout',
    headers: retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : undefined,
    extra: { upstream: { kind: err.kind, endpoint: err.endpoint, status: err.upstreamStatus, zuoraRequestId: err.requestId } }
  })
}

function sentence (s: string): string {
  const t = s.trim()
  return /[.!?)]$/.test(t) ? t : `${t}.`
}
