/**
 * RFC 9457 problem details: every error this service answers with is an `application/problem+json` body.
 * Route code throws `HttpProblem`; the problem plugin renders it (and every other error) in this shape.
 */
import { Type } from '@sinclair/typebox'
import type { Static } from '@sinclair/typebox'

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
