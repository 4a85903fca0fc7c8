/**
 * Shared JSON schemas: every $id'd schema is registered once (fastify.addSchema), so routes reference them by
 * name, Ajv/fast-json-stringify resolve them, and OpenAPI lists them as named components.
 */
import fp from 'fastify-plugin'
import { C1_SCHEMAS } from '#src/c1/model.ts'
import { ProblemSchema } from '#src/api/problem.ts'
import { SYNC_SCHEMAS } from '#src/api/sync.ts'

export default fp(async (app) => {
  // Dependencies first.
  for (const schema of [...C1_SCHEMAS, ...SYNC_SCHEMAS, ProblemSchema]) app.addSchema(schema)
}, { name: 'schemas' })
