/**
 * OpenAPI over real loopback HTTP: GET /openapi.json and Swagger UI at /docs are public, $id'd schemas are named
 * components, the bearer scheme is global except on public routes, and problems are application/problem+json.
 */
import { Type } from '@sinclair/typebox'
import Fastify from 'fastify'
import t from 'tap'
import { ResourceSchema, ref } from '#src/c1/model.ts'
import { loadConfig } from '#src/config.ts'
import auth from '#src/plugins/auth.ts'
import problem from '#src/plugins/problem.ts'
import { problemResponses } from '#src/api/problem.ts'
import security from '#src/plugins/security.ts'
import swagger from '#src/plugins/swagger.ts'
import { VERSION } from '#src/version.ts'

interface Tap { teardown (fn: () => unknown): void }

async function start (t: Tap): Promise<string> {
  const app = Fastify({ logger: false })
  app.decorate('config', loadConfig({
    ZUORA_TENANT_BASE_URL: 'http://127.0.0.1:1',
    ZUORA_ALLOW_CUSTOM_HOSTS: 'true',
    ZUORA_OAUTH_CLIENT_ID: 'x',
    ZUORA_OAUTH_CLIENT_SECRET: 'y',
    API_TOKENS: 'swagger-test-token-0123'
  }))
  await app.register(problem)
  await app.register(security)
  await app.register(swagger)
  await app.register(auth)
  app.get('/things/:id', {
    schema: {
      tags: ['resources'],
      operationId: 'getThing',
      summary: 'One thing',
      params: Type.Object({ id: Type.String() }),
      response: { 200: { ...ref(ResourceSchema), description: 'The thing' }, ...problemResponses(400, 401, 404) }
    }
  }, async () => { throw new Error('not reached in these tests') })
  app.get('/health/live', {
    config: { public: true },
    schema: { tags: ['operations'], operationId: 'live', summary: 'Liveness', response: { 200: Type.Object({ status: Type.String() }) } }
  }, async () => ({ status: 'ok' }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const address = app.server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
}

t.test('GET /openapi.json is public and describes the API', async t => {
  const url = await start(t)
  const res = await fetch(`${url}/openapi.json`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^application\/json/)
  const doc = await res.json() as any
  t.equal(doc.openapi, '3.1.0')
  t.equal(doc.info.version, VERSION)
  t.same(doc.tags.map((tag: { name: string }) => tag.name), ['resources', 'sync', 'operations'])
  t.same(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.bearerAuth.description })
  t.same(doc.security, [{ bearerAuth: [] }])
  for (const name of ['Annotation', 'ResourceId', 'ResourceType', 'Resource', 'Entitlement', 'Grant', 'SyncJob', 'Problem']) {
    t.ok(doc.components.schemas[name], `component ${name}`)
  }
  t.notOk(Object.keys(doc.components.schemas).some(k => k.startsWith('def-')), 'no anonymous def-N components')

  const op = doc.paths['/things/{id}'].get
  t.equal(op.operationId, 'getThing')
  t.notOk('security' in op, 'private routes inherit the global bearer requirement')
  t.same(op.responses['200'].content['application/json'].schema, { $ref: '#/components/schemas/Resource' })
  for (const status of ['400', '401', '404']) {
    const media = op.responses[status].content['application/problem+json']
    t.same(Object.keys(op.responses[status].content), ['application/problem+json'], status)
    t.same(media.schema, { $ref: '#/components/schemas/Problem' }, status)
    for (const example of Object.values(media.examples ?? {}) as Array<{ value: { status: number } }>) t.equal(example.value.status, Number(status), `${status} example`)
  }
  t.same(doc.paths['/health/live'].get.security, [], 'public routes need no token')
  t.same(doc.paths['/openapi.json'].get.security, [])
  t.notOk(Object.keys(doc.paths).some(p => p.startsWith('/docs')), 'Swagger UI routes are not documented')
})

t.test('Swagger UI at /docs needs no token', async t => {
  const url = await start(t)
  const page = await fetch(`${url}/docs/`)
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), /^text\/html/)
  t.match(await page.text(), /swagger-ui/)
  const redirect = await fetch(`${url}/docs`, { redirect: 'manual' })
  t.ok(redirect.status === 200 || (redirect.status >= 300 && redirect.status < 400), `/docs answers ${redirect.status}`)
  await redirect.text()
  const spec = await fetch(`${url}/docs/json`)
  t.equal(spec.status, 200)
  const official = await fetch(`${url}/openapi.json`)
  t.same(await spec.json(), await official.json(), '/docs/json and /openapi.json serve the same document')
  const init = await fetch(`${url}/docs/static/swagger-initializer.js`)
  t.match(await init.text(), /"url":"\/openapi\.json"/, 'Swagger UI loads /openapi.json')
  const asset = await fetch(`${url}/docs/static/swagger-ui-bundle.js`)
  t.equal(asset.status, 200)
  await asset.arrayBuffer()
})

t.test('private routes still need the token', async t => {
  const url = await start(t)
  const res = await fetch(`${url}/things/1`)
  t.equal(res.status, 401)
  await res.text()
})
