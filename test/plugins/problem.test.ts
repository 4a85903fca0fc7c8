/**
 * The problem plugin over real loopback HTTP: every failure is application/problem+json with the right status,
 * a detail that helps, an instance without the query string, and never the text of an unexpected error.
 */
import { Type } from '@sinclair/typebox'
import Fastify from 'fastify'
import type { FastifyInstance } from 'fastify'
import t from 'tap'
import { genReqId } from '#src/api/logging.ts'
import { HttpProblem, problemType } from '#src/api/problem.ts'
import problem, { frameworkErrors } from '#src/plugins/problem.ts'
import swagger from '#src/plugins/swagger.ts'
import { problemResponses } from '#src/api/problem.ts'
import { ZuoraError } from '#src/zuora/errors.ts'

const PROBLEM_JSON = /^application\/problem\+json/

async function start (t: Tap): Promise<{ app: FastifyInstance, url: string }> {
  const app = Fastify({
    logger: false,
    genReqId,
    bodyLimit: 1024,
    frameworkErrors,
    routerOptions: { maxParamLength: 64 },
    ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false, useDefaults: true } }
  })
  await app.register(problem)
  await app.register(swagger)
  app.get('/items', {
    schema: {
      querystring: Type.Object({
        pageSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 250 })),
        status: Type.Optional(Type.String({ enum: ['ENABLED', 'DISABLED'] }))
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ ok: Type.Boolean() }), ...problemResponses(400) }
    }
  }, async () => ({ ok: true }))
  app.get('/items/:id', async () => ({ ok: true }))
  app.post('/echo', { schema: { body: Type.Object({ name: Type.String() }) } }, async (request) => request.body)
  app.get('/boom', async () => { throw new Error('database password hunter2 leaked') })
  app.get('/teapot', async () => { throw Object.assign(new Error('short and stout'), { statusCode: 418 }) })
  app.get('/gone', { schema: { response: { 200: Type.Object({}), ...problemResponses(410) } } }, async () => {
    throw new HttpProblem(410, 'Snapshot expired', 'Restart the walk.', {
      type: 'snapshot-expired', headers: { 'retry-after': '3' }, extra: { syncId: 'abc', type: 'ignored' }
    })
  })
  app.get('/zuora/:kind', async (request) => {
    const kind = (request.params as { kind: 'timeout' | 'rate-limited' | 'auth' }).kind
    throw new ZuoraError(`SCIM Users list failed: ${kind}`, {
      kind, endpoint: 'users', upstreamStatus: kind === 'rate-limited' ? 429 : 401, retryAfterMs: 1500, requestId: 'zr-1'
    })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const address = app.server.address()
  return { app, url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}` }
}

interface Tap { teardown (fn: () => unknown): void }

async function call (url: string, init?: RequestInit): Promise<{ status: number, headers: Headers, body: any }> {
  const res = await fetch(url, init)
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) }
}

t.test('validation errors name the parameter, where it is, and what is allowed', async t => {
  const { url } = await start(t)
  const big = await call(`${url}/items?pageSize=999&status=ENABLED`)
  t.equal(big.status, 400)
  t.match(big.headers.get('content-type'), PROBLEM_JSON)
  t.equal(big.body.type, problemType('invalid-request'))
  t.equal(big.body.title, 'Invalid request')
  t.equal(big.body.status, 400)
  t.match(big.body.detail, /query parameter 'pageSize' must be <= 250/)
  t.same(big.body.errors, [{ in: 'querystring', parameter: 'pageSize', message: 'must be <= 250' }])
  t.match(big.body.instance, /^\/items \(request [0-9a-f-]{36}\)$/, 'instance: path and request id, no query')
  t.equal(big.headers.get('x-request-id'), big.body.instance.match(/request (.+)\)$/)[1])

  const word = await call(`${url}/items?pageSize=ten`)
  t.same(word.body.errors, [{ in: 'querystring', parameter: 'pageSize', message: 'must be integer' }])

  const status = await call(`${url}/items?status=ON`)
  t.same(status.body.errors, [{ in: 'querystring', parameter: 'status', message: 'must be one of: ENABLED, DISABLED' }])

  const unknown = await call(`${url}/items?colour=red`)
  t.equal(unknown.status, 400)
  t.same(unknown.body.errors, [{ in: 'querystring', parameter: 'colour', message: 'is not a known parameter here; remove it' }])

  const body = await call(`${url}/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
  t.equal(body.status, 400)
  t.same(body.body.errors, [{ in: 'body', parameter: 'name', message: 'is required' }])
  t.match(body.body.detail, /body field 'name' is required/)
})

t.test('body and media-type trouble is 4xx, never 500', async t => {
  const { url } = await start(t)
  const json = { 'content-type': 'application/json' }
  const cases: Array<[string, RequestInit, number, string]> = [
    ['wrong media type', { method: 'POST', headers: { 'content-type': 'application/xml' }, body: '<a/>' }, 415, 'unsupported-media-type'],
    ['body too large', { method: 'POST', headers: json, body: JSON.stringify({ name: 'x'.repeat(4096) }) }, 413, 'payload-too-large'],
    ['malformed JSON', { method: 'POST', headers: json, body: '{"name":' }, 400, 'malformed-body'],
    ['empty JSON body', { method: 'POST', headers: json, body: '' }, 400, 'malformed-body']
  ]
  for (const [name, init, status, slug] of cases) {
    const res = await call(`${url}/echo`, init)
    t.equal(res.status, status, name)
    t.match(res.headers.get('content-type'), PROBLEM_JSON, name)
    t.equal(res.body.type, problemType(slug), name)
    t.equal(res.body.instance.startsWith('/echo (request '), true, name)
  }
  const teapot = await call(`${url}/teapot`)
  t.equal(teapot.status, 418, 'other 4xx errors keep their status')
  t.equal(teapot.body.title, "I'm a Teapot")
})

t.test('HttpProblem is rendered as thrown, with its headers; standard members win', async t => {
  const { url } = await start(t)
  const res = await call(`${url}/gone?pageToken=abc`)
  t.equal(res.status, 410)
  t.equal(res.headers.get('retry-after'), '3')
  t.match(res.headers.get('content-type'), PROBLEM_JSON)
  t.equal(res.body.type, problemType('snapshot-expired'))
  t.equal(res.body.syncId, 'abc', 'extension members kept (through the route\'s response schema)')
  t.equal(res.body.detail, 'Restart the walk.')
  t.match(res.body.instance, /^\/gone \(request /)
})

t.test('Zuora failures are 502/503/504 with the upstream facts, Retry-After on 503', async t => {
  const { url } = await start(t)
  const timeout = await call(`${url}/zuora/timeout`)
  t.equal(timeout.status, 504)
  t.equal(timeout.body.type, problemType('upstream-timeout'))
  t.match(timeout.body.detail, /SCIM Users list failed/)
  t.same(timeout.body.upstream, { kind: 'timeout', endpoint: 'users', status: 401, zuoraRequestId: 'zr-1' })
  t.equal(timeout.headers.get('retry-after'), null)

  const limited = await call(`${url}/zuora/rate-limited`)
  t.equal(limited.status, 503)
  t.equal(limited.headers.get('retry-after'), '2')
  t.equal(limited.body.type, problemType('upstream-unavailable'))

  const auth = await call(`${url}/zuora/auth`)
  t.equal(auth.status, 502)
  t.equal(auth.body.title, 'Zuora rejected the credentials')
})

t.test('unexpected errors are a generic 500 that leaks nothing', async t => {
  const { url } = await start(t)
  const res = await call(`${url}/boom`)
  t.equal(res.status, 500)
  t.match(res.headers.get('content-type'), PROBLEM_JSON)
  t.equal(res.body.type, problemType('internal-error'))
  t.notMatch(JSON.stringify(res.body), /hunter2|password|database/)
  t.match(res.body.detail, /logged under this request id/)
})

t.test('unknown paths are 404, known paths with another method 405 + Allow', async t => {
  const { url } = await start(t)
  const missing = await call(`${url}/nope?x=1`)
  t.equal(missing.status, 404)
  t.match(missing.headers.get('content-type'), PROBLEM_JSON)
  t.equal(missing.body.type, problemType('not-found'))
  t.match(missing.body.instance, /^\/nope \(request /)
  t.ok(missing.headers.get('x-request-id'))

  const wrong = await call(`${url}/items`, { method: 'DELETE' })
  t.equal(wrong.status, 405)
  t.equal(wrong.headers.get('allow'), 'GET, HEAD')
  t.equal(wrong.body.type, problemType('method-not-allowed'))
  t.match(wrong.body.detail, /DELETE is not supported on \/items; use GET, HEAD/)

  const param = await call(`${url}/items/abc`, { method: 'PUT', body: '{}', headers: { 'content-type': 'application/json' } })
  t.equal(param.status, 405, 'parametric paths too')
  t.equal(param.headers.get('allow'), 'GET, HEAD')

  const post = await call(`${url}/echo`)
  t.equal(post.status, 405)
  t.equal(post.headers.get('allow'), 'POST')
})

t.test('malformed and oversized URLs are problems (frameworkErrors)', async t => {
  const { url } = await start(t)
  const bad = await call(`${url}/items/%E0%A4%A`)
  t.equal(bad.status, 400)
  t.match(bad.headers.get('content-type'), PROBLEM_JSON)
  t.equal(bad.body.type, problemType('bad-url'))
  t.ok(bad.headers.get('x-request-id'))

  const long = await call(`${url}/items/${'a'.repeat(100)}`)
  t.equal(long.status, 414)
  t.equal(long.body.type, problemType('uri-too-long'))
})

t.test('x-request-id: a well-formed incoming id is kept, anything else replaced', async t => {
  const { url } = await start(t)
  const ok = await fetch(`${url}/items`, { headers: { 'x-request-id': 'abc.DEF_123-x' } })
  t.equal(ok.headers.get('x-request-id'), 'abc.DEF_123-x')
  await ok.text()
  const bad = await call(`${url}/nope`, { headers: { 'x-request-id': 'a b<script>' } })
  t.match(bad.headers.get('x-request-id'), /^[0-9a-f-]{36}$/)
  t.notMatch(JSON.stringify(bad.body), /script/)
  const long = await fetch(`${url}/items`, { headers: { 'x-request-id': 'x'.repeat(65) } })
  t.match(long.headers.get('x-request-id'), /^[0-9a-f-]{36}$/)
  await long.text()
})

t.test('a repeated query parameter is named, not reported as the wrong type', async t => {
  const { url } = await start(t)
  const res = await call(`${url}/items?pageSize=5&pageSize=6`)
  t.equal(res.status, 400)
  t.match(res.headers.get('content-type'), PROBLEM_JSON)
  t.match(res.body.detail, /'pageSize' is given 2 times; send it once/)
  t.same(res.body.errors, [{ in: 'querystring', parameter: 'pageSize', message: 'is given 2 times; send it once' }])
  t.equal((await call(`${url}/items?pageSize=5`)).status, 200)
})
