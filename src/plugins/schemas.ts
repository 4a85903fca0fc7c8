/**
 * Shared JSON schemas: every $id'd schema is registered once (fastify.addSchema), so routes reference them by
 * name, Ajv/fast-json-stringify resolve them, and OpenAPI lists them as named components.
 */
import type { TUnsafe } from '@sinclair/typebox'
import fp from 'fastify-plugin'
import { C1_SCHEMAS, ref } from '#src/c1/model.ts'
import { ProblemSchema } from '#src/api/problem.ts'
import type { Problem } from '#src/api/problem.ts'
import { SYNC_SCHEMAS } from '#src/api/sync-schemas.ts'

/** Every shared schema, dependencies first. */
export const SHARED_SCHEMAS = [...C1_SCHEMAS, ...SYNC_SCHEMAS, ProblemSchema] as const

export default fp(async (app) => {
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema)
}, { name: 'schemas' })

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
