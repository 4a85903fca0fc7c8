/**
 * RFC 9457 problem details: every error this service answers with is an `application/problem+json` body.
 * Route code throws `HttpProblem`; the problem plugin renders it (and every other error) in this shape.
 */
import { Type } from '@sinclair/typebox'
import type { Static, TUnsafe } from '@sinclair/typebox'
import { ref } from '#src/c1/model.ts'

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8'
const PROBLEM_BASE = 'https://zuora-c1-facade.local/problems/'

/** The `type` URI of a problem slug, e.g. `snapshot-expired`. Slugs are listed in the README. */
export function problemType (slug: string): string {
  return `${PROBLEM_BASE}${slug}`
}

export interface ProblemOptions {
  /** Problem slug (default: derived from the status). */
  readonly type?: string
  /** Extra response headers (Retry-After, Allow, WWW-Authenticate…). */
  readonly headers?: Readonly<Record<string, string>>
  /** Extension members merged into the body (must not collide with the standard members). */
  readonly extra?: Readonly<Record<string, unknown>>
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

export function defaultSlug (status: number): string {
  return DEFAULT_SLUGS[status] ?? (status >= 500 ? 'internal-error' : 'bad-request')
}

export class HttpProblem extends Error {
  readonly statusCode: number
  readonly title: string
  readonly detail: string
  readonly type: string
  readonly headers: Readonly<Record<string, string>>
  readonly extra: Readonly<Record<string, unknown>>

  constructor (status: number, title: string, detail: string, options: ProblemOptions = {}) {
    super(detail)
    this.name = 'HttpProblem'
    this.statusCode = status
    this.title = title
    this.detail = detail
    this.type = problemType(options.type ?? defaultSlug(status))
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

export function isHttpProblem (err: unknown): err is HttpProblem {
  return err instanceof HttpProblem
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
export type Problem = Static<typeof ProblemSchema>

/** What each error status means on this API (the response description in OpenAPI). */
export const PROBLEM_DESCRIPTIONS = {
  400: 'Invalid request: the problem names the parameter and how to fix it',
  401: 'Missing or invalid API token (send Authorization: Bearer <token>)',
  403: 'Forbidden',
  404: 'No such resource',
  405: 'Method not allowed on this path (see the Allow header)',
  406: 'None of the accepted media types can be produced',
  409: 'Conflict with the current state',
  410: 'The snapshot the page token belongs to is no longer held; restart without pageToken',
  413: 'Request body too large',
  415: 'Unsupported request body media type',
  429: 'Too many requests',
  500: 'Unexpected failure (logged under the request id)',
  502: 'Zuora answered with an error',
  503: 'No snapshot yet (Retry-After says when to retry) or Zuora unavailable',
  504: 'Zuora did not answer in time'
} as const

export type ProblemStatus = keyof typeof PROBLEM_DESCRIPTIONS

export type ProblemResponse = TUnsafe<Problem> & { description: string }

/**
 * Response schemas for error statuses, for a route's `schema.response`:
 * `response: { 200: …, ...problemResponses(400, 401, 503) }`. Rendered as `application/problem+json` in OpenAPI.
 */
export function problemResponses<const S extends ProblemStatus> (...statuses: S[]): { [K in S]: ProblemResponse } {
  const out: Partial<Record<ProblemStatus, ProblemResponse>> = {}
  for (const status of statuses) out[status] = { ...ref(ProblemSchema), description: PROBLEM_DESCRIPTIONS[status] }
  return out as { [K in S]: ProblemResponse }
}
