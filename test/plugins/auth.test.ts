/**
 * API token check over real loopback HTTP: no token, wrong token, right token, public routes, AUTH_DISABLED.
 */
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import t from 'tap'
import { loadConfig } from '#src/config.ts'
import { genReqId, loggerOptions } from '#src/api/logging.ts'
import { problemType } from '#src/api/problem.ts'
import auth from '#src/plugins/auth.ts'
import problem from '#src/plugins/problem.ts'

const TOKEN_A = 'token-a-4c1f9e0b7d2a'
const TOKEN_B = 'token-b-98d7e6f5a4b3'

interface Tap { teardown (fn: () => unknown): void }

async function start (t: Tap, env: Record<string, string> = {}): Promise<{ url: string, logs: string[] }> {
  const logs: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { logs.push(String(chunk)); cb() } })
  const app = Fastify({ logger: { ...loggerOptions('debug'), stream }, genReqId })
  app.decorate('config', loadConfig({
    ZUORA_TENANT_BASE_URL: 'http://127.0.0.1:1',
    ZUORA_ALLOW_CUSTOM_HOSTS: 'true',
    ZUORA_OAUTH_CLIENT_ID: 'x',
    ZUORA_OAUTH_CLIENT_SECRET: 'y',
    API_TOKENS: `${TOKEN_A},${TOKEN_B}`,
    ...env
  }))
  await app.register(problem)
  await app.register(auth)
  app.get('/private', async () => ({ secret: 'data' }))
  app.post('/private', async () => ({ posted: true }))
  app.get('/public', { config: { public: true } }, async () => ({ open: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const address = app.server.address()
  return { url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, logs }
}

async function get (url: string, authorization?: string, init: RequestInit = {}): Promise<{ status: number, headers: Headers, text: string }> {
  const headers = new Headers(init.headers)
  if (authorization !== undefined) headers.set('authorization', authorization)
  const res = await fetch(url, { ...init, headers })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

t.test('no token → 401 problem with WWW-Authenticate', async t => {
  const { url } = await start(t)
  const res = await get(`${url}/private`)
  t.equal(res.status, 401)
  t.match(res.headers.get('content-type'), /^application\/problem\+json/)
  t.equal(res.headers.get('www-authenticate'), 'Bearer realm="zuora-c1-facade"')
  const body = JSON.parse(res.text)
  t.equal(body.type, problemType('unauthorized'))
  t.equal(body.title, 'API token required')
  t.match(body.detail, /Authorization: Bearer <token>/)
  t.match(body.instance, /^\/private \(request /)
})

t.test('wrong token → 401, the token is never echoed (response or log)', async t => {
  const { url, logs } = await start(t)
  const forged = 'forged-token-0123456789abcdef'
  for (const header of [`Bearer ${forged}`, `Basic ${forged}`, forged, `Bearer ${TOKEN_A}x`, `Bearer ${TOKEN_A.slice(0, -1)}`, 'Bearer ']) {
    const res = await get(`${url}/private`, header)
    t.equal(res.status, 401, header)
    t.notOk(res.text.includes(forged), 'body does not echo the token')
    t.match(res.headers.get('www-authenticate'), /^Bearer realm="zuora-c1-facade"/)
  }
  const invalid = await get(`${url}/private`, `Bearer ${forged}`)
  t.equal(JSON.parse(invalid.text).title, 'Invalid API token')
  t.match(JSON.parse(invalid.text).detail, /not one of this service's API tokens \(API_TOKENS/, 'says plainly the token is not one of API_TOKENS')
  t.equal(invalid.headers.get('www-authenticate'), 'Bearer realm="zuora-c1-facade", error="invalid_token"')
  const posted = await get(`${url}/private`, `Bearer ${forged}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
  t.equal(posted.status, 401, 'rejected before the body is parsed')
  const all = logs.join('')
  t.notOk(all.includes(forged), 'logs never carry the presented token')
  t.notOk(all.includes(TOKEN_A), 'logs never carry a configured token')
})

t.test('right token → 200; every configured token works; scheme is case-insensitive', async t => {
  const { url } = await start(t)
  for (const header of [`Bearer ${TOKEN_A}`, `Bearer ${TOKEN_B}`, `bearer ${TOKEN_A}`, `BEARER ${TOKEN_B}`]) {
    const res = await get(`${url}/private`, header)
    t.equal(res.status, 200, header)
    t.same(JSON.parse(res.text), { secret: 'data' })
  }
})

t.test('public routes and unknown paths need no token', async t => {
  const { url } = await start(t)
  t.equal((await get(`${url}/public`)).status, 200)
  t.equal((await get(`${url}/public`, 'Bearer nonsense')).status, 200, 'a bad token on a public route is ignored')
  const missing = await get(`${url}/nowhere`)
  t.equal(missing.status, 404)
  const wrongMethod = await get(`${url}/public`, undefined, { method: 'DELETE' })
  t.equal(wrongMethod.status, 405)
})

t.test('AUTH_DISABLED=true: everything passes, and the log says so once', async t => {
  const { url, logs } = await start(t, { AUTH_DISABLED: 'true', API_TOKENS: '' })
  const res = await get(`${url}/private`)
  t.equal(res.status, 200)
  const warnings = logs.map(l => JSON.parse(l)).filter(l => l.level === 40 && /AUTH_DISABLED/.test(l.msg))
  t.equal(warnings.length, 1)
})
