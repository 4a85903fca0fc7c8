/**
 * The shared $id'd schemas (addSchema: routes reference them by name, Ajv and fast-json-stringify resolve them) and
 * the OpenAPI 3.1 document generated from the route schemas: the $id'd ones are its named components, the bearer
 * scheme applies to every operation except the public ones, and error responses are application/problem+json.
 * Served at GET /openapi.json and rendered by Swagger UI at /docs (both public).
 */
import swagger from '@fastify/swagger'
import type { FastifyDynamicSwaggerOptions } from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import { Type } from '@sinclair/typebox'
import fp from 'fastify-plugin'
import { problemExamples } from './problem.ts'
import { C1_SCHEMAS } from '#src/c1/model.ts'
import { PROBLEM_CONTENT_TYPE, ProblemSchema } from '#src/api/problem.ts'
import { SYNC_SCHEMAS } from '#src/api/sync.ts'
import { VERSION } from '#src/version.ts'

const DOCS_PREFIX = '/docs'
const OPENAPI_PATH = '/openapi.json'

const SWAGGER_OPTIONS: FastifyDynamicSwaggerOptions = {
  mode: 'dynamic',
  openapi: {
    openapi: '3.1.0',
    info: {
      title: 'Zuora → ConductorOne access façade',
      version: VERSION,
      description: 'Read-only view of a Zuora tenant\'s users, roles and user groups (read through Zuora SCIM 2.0) in ' +
        'ConductorOne\'s baton shapes (c1.connector.v2 protojson). Every answer comes from the last complete snapshot. ' +
        'Errors are RFC 9457 problem details (application/problem+json). Authenticate with `Authorization: Bearer <token>` ' +
        '(a token from API_TOKENS).',
      license: { name: 'UNLICENSED', identifier: 'UNLICENSED' }
    },
    // Relative: Swagger UI's "Try it out" calls the origin that served the document (direct or behind a proxy).
    servers: [{ url: '/', description: 'This service' }],
    tags: [
      { name: 'resources', description: 'Users, roles and groups with their entitlements and grants, in c1.connector.v2 protojson' },
      { name: 'sync', description: 'The whole snapshot, its diff since an earlier one, and sync jobs' },
      { name: 'operations', description: 'Health, metrics and this document' }
    ],
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token configured in API_TOKENS (or API_TOKENS_FILE)' } }
    },
    security: [{ bearerAuth: [] }]
  },
  refResolver: {
    buildLocalReference (json, _baseUri, _fragment, i) {
      return typeof json.$id === 'string' ? json.$id : `def-${i}`
    }
  },
  // Routes with `config.public` need no token: `security: []` overrides the global requirement.
  transform: ({ schema, url, route }) => ({ schema: route.config?.public === true ? { ...schema, security: [] } : schema, url }),
  transformObject: (documentObject) => problemMediaTypes((documentObject as { openapiObject: OpenApiDocument }).openapiObject) as never
}

export default fp(async (app) => {
  for (const schema of [...C1_SCHEMAS, ...SYNC_SCHEMAS, ProblemSchema]) app.addSchema(schema)
  // Swagger UI's own routes take no route config: mark them public as they are added.
  app.addHook('onRoute', (route) => {
    if (route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`)) route.config = { ...route.config, public: true }
  })
  await app.register(swagger, SWAGGER_OPTIONS)
  await app.register(swaggerUi, {
    routePrefix: DOCS_PREFIX,
    // One document URL: the UI loads (and links) /openapi.json, as the README does; /docs/json serves the same document.
    uiConfig: { deepLinking: true, urls: [{ url: OPENAPI_PATH, name: OPENAPI_PATH }] },
    theme: { title: 'Zuora → ConductorOne façade · API' }
  })
  app.get(OPENAPI_PATH, {
    config: { public: true },
    schema: {
      tags: ['operations'],
      operationId: 'getOpenApi',
      summary: 'This OpenAPI document',
      description: 'The OpenAPI 3.1 description of this API (what Swagger UI at /docs renders). No token needed.',
      response: {
        200: Type.Object({}, { additionalProperties: true, description: 'The OpenAPI document', examples: [{ openapi: '3.1.0', info: { title: 'zuora-c1-facade' }, paths: {} }] })
      }
    }
  }, async function () { return this.swagger() })
}, { name: 'swagger' })

/** The parts of the document `problemMediaTypes` reads. */
interface OpenApiDocument {
  paths?: Record<string, Record<string, { responses?: Record<string, { content?: Record<string, { schema?: { $ref?: string }, examples?: unknown }> }> }>>
}

/**
 * Error responses whose schema is the Problem component are served as application/problem+json: say so, with one
 * example per problem type that path answers with at that status (`problemExamples` in plugins/problem.ts).
 */
function problemMediaTypes (doc: OpenApiDocument): OpenApiDocument {
  for (const [path, pathItem] of Object.entries(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(pathItem)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        const json = response.content?.['application/json']
        if (!/^[45]/.test(status) || json?.schema?.$ref !== '#/components/schemas/Problem' || response.content === undefined) continue
        delete response.content['application/json']
        const examples = problemExamples(method, path, Number(status))
        response.content[PROBLEM_CONTENT_TYPE.split(';')[0] as string] = Object.keys(examples).length > 0 ? { ...json, examples } : json
      }
    }
  }
  return doc
}
