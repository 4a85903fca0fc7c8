/**
 * The problem every error becomes (pure): route problems as thrown, schema validation as 400 naming the parameter,
 * Fastify's body and content-type errors as 4xx, Zuora failures as 502/503/504, anything unexpected a generic 500
 * whose message never reaches the caller.
 */
import { STATUS_CODES } from 'node:http'
import type { FastifyError } from 'fastify'
import { isZuoraError } from '#src/zuora/errors.ts'
import type { ZuoraError } from '#src/zuora/errors.ts'
import { HttpProblem, isHttpProblem, parameterProblem } from './problem.ts'


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
    headers: retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : undefined,
    extra: {
      upstream: {
        kind: err.kind,
        endpoint: err.endpoint,
        status: err.upstreamStatus,
        zuoraRequestId: err.requestId
      }
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
