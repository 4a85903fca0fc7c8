/**
 * Log lines never carry secrets (bearer tokens, client secrets, access tokens) nor query strings, and carry
 * the request id the caller sent when it is well-formed.
 */
import { Writable } from 'node:stream'
import type { IncomingMessage } from 'node:http'
import Fastify from 'fastify'
import t from 'tap'
import { loadConfig } from '#src/config.ts'
import { REQUEST_ID_HEADER, genReqId, loggerOptions, pathOnly } from '#src/api/logging.ts'
import auth from '#src/plugins/auth.ts'
import problem from '#src/plugins/problem.ts'

const API_TOKEN = 'api-token-5b1e6c0a9f8d7e6c'
const CLIENT_SECRET = 'zuora-client-secret-7f3a2b1c'
const ACCESS_TOKEN = 'zuora-access-token-1d2c3b4a'
const PII = 'alice.smith@example.com'

interface Tap { teardown (fn: () => unknown): void }

async function start (t: Tap): Promise<{ url: string, lines: () => Array<Record<string, any>>, raw: () => string }> {
  const chunks: string[] = []
  const stream = new Writable({ write (chunk, _enc, cb) { chunks.push(String(chunk)); cb() } })
  const app = Fastify({ logger: { ...loggerOptions('trace'), stream }, genReqId, requestIdHeader: false })
  app.decorate('config', loadConfig({
    ZUORA_TENANT_BASE_URL: 'http://127.0.0.1:1',
    ZUORA_ALLOW_CUSTOM_HOSTS: 'true',
    ZUORA_OAUTH_CLIENT_ID: 'x',
    ZUORA_OAUTH_CLIENT_SECRET: CLIENT_SECRET,
    API_TOKENS: API_TOKEN
  }))
  await app.register(problem)
  await app.register(auth)
  app.get('/users', async (request) => {
    // What careless code might log: headers, upstream request options, a token response, the config.
    request.log.info({ headers: request.headers }, 'incoming headers')
    request.log.info({ upstream: { headers: { authorization: `Bearer ${ACCESS_TOKEN}` } } }, 'upstream call')
    request.log.info({ tokenResponse: { access_token: ACCESS_TOKEN, expires_in: 3600 } }, 'token refreshed')
    request.log.info({ client_secret: CLIENT_SECRET, clientSecret: CLIENT_SECRET }, 'top-level secrets')
    request.log.info({ oauth: { client_secret: CLIENT_SECRET }, zuora: { clientSecret: CLIENT_SECRET } }, 'nested secrets')
    request.log.info({ config: app.config }, 'config dump')
    request.log.info({ env: { ZUORA_OAUTH_CLIENT_SECRET: CLIENT_SECRET, API_TOKENS: API_TOKEN } }, 'env dump')
    request.log.info({ req: request }, 'explicit request')
    return { ok: true }
  })
  app.get('/fail', async () => { throw new Error('boom') })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const address = app.server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  const raw = (): string => chunks.join('')
  return { url, raw, lines: () => raw().split('\n').filter(Boolean).map(l => JSON.parse(l)) }
}

t.test('secrets and query strings never reach the log', async t => {
  const { url, raw, lines } = await start(t)
  const filter = encodeURIComponent(`userName eq "${PII}"`)
  const res = await fetch(`${url}/users?filter=${filter}&q=${encodeURIComponent(PII)}&pageToken=abc`, {
    headers: { authorization: `Bearer ${API_TOKEN}`, cookie: 'session=s3cr3t-cookie', [REQUEST_ID_HEADER]: 'trace-123' }
  })
  t.equal(res.status, 200)
  await res.text()
  const denied = await fetch(`${url}/users?filter=${filter}`, { headers: { authorization: `Bearer wrong-${API_TOKEN}` } })
  t.equal(denied.status, 401)
  await denied.text()

  const text = raw()
  t.ok(text.length > 0, 'something was logged')
  for (const secret of [API_TOKEN, CLIENT_SECRET, ACCESS_TOKEN, 's3cr3t-cookie', PII, 'alice.smith', 'pageToken']) {
    t.notOk(text.includes(secret), `log never contains ${secret}`)
  }
  t.match(text, /\[REDACTED\]/, 'redacted values are marked')

  const all = lines()
  const incoming = all.find(l => l.msg === 'incoming request' && l.reqId === 'trace-123')
  t.ok(incoming, 'the caller\'s request id labels the request')
  t.equal(incoming?.req.url, '/users', 'the logged URL has no query string')
  const headers = all.find(l => l.msg === 'incoming headers')
  t.equal(headers?.headers.authorization, '[REDACTED]')
  t.equal(headers?.headers.cookie, '[REDACTED]')
  t.equal(headers?.headers.host !== undefined, true, 'other headers stay')
  t.equal(all.find(l => l.msg === 'token refreshed')?.tokenResponse.expires_in, 3600, 'non-secret fields stay')
})

t.test('an unexpected error is logged with its request id, and its message only in the log', async t => {
  const { url, lines } = await start(t)
  const res = await fetch(`${url}/fail`, { headers: { authorization: `Bearer ${API_TOKEN}` } })
  const body = await res.json() as { instance: string, detail: string }
  t.equal(res.status, 500)
  t.notMatch(body.detail, /boom/)
  const id = res.headers.get(REQUEST_ID_HEADER)
  t.ok(body.instance.endsWith(`(request ${id})`))
  const logged = lines().find(l => l.level === 50 && l.reqId === id)
  t.equal(logged?.err?.message, 'boom')
})

t.test('genReqId accepts well-formed ids only', async t => {
  const req = (v: string | string[] | undefined): IncomingMessage => ({ headers: { [REQUEST_ID_HEADER]: v } }) as unknown as IncomingMessage
  t.equal(genReqId(req('abc-123_X.y')), 'abc-123_X.y')
  t.equal(genReqId(req('a'.repeat(64))), 'a'.repeat(64))
  for (const bad of ['', 'a'.repeat(65), 'has space', 'new\nline', 'semi;colon', '<script>', ['a', 'b'], undefined]) {
    t.match(genReqId(req(bad)), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, JSON.stringify(bad) ?? 'undefined')
  }
  t.equal(pathOnly('/users?filter=x'), '/users')
  t.equal(pathOnly('/users'), '/users')
})

t.test('pretty output is opt-in', async t => {
  t.notOk('transport' in loggerOptions('info'))
  t.match(loggerOptions('info', { pretty: true }), { transport: { target: 'pino-pretty' } })
})
