import t from 'tap'
import { createZuoraConnection } from '#src/zuora/connection.ts'
import * as index from '#src/zuora/index.ts'
import { BASE, CLIENT_SECRET, JSON_HEADERS, mockAgent, scimUser, tokenBody, zuoraConfig } from './helpers.ts'

const SPC = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'], filter: { supported: true, maxResults: 100 }, patch: { supported: true } }

t.test('tenant is the host of the tenant base URL; index re-exports', async t => {
  const conn = createZuoraConnection(zuoraConfig(), { dispatcher: mockAgent(t) })
  t.equal(conn.tenant, 'rest.eu.zuora.com')
  t.same(conn.stats(), { active: 0, queued: 0, paused: false, pausedUntil: null, requests: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0 })
  t.equal(index.createZuoraConnection, createZuoraConnection)
  t.type(index.isZuoraError, 'function')
  await conn.close()
})

t.test('check(): token + ServiceProviderConfig, cached ~30 s, coalesced', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/oauth/token', method: 'POST' }).reply(200, tokenBody('tk'), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: '/scim/v2/ServiceProviderConfig', method: 'GET', headers: { authorization: 'Bearer tk' } }).reply(200, SPC, { headers: JSON_HEADERS }).times(2)
  let now = 1_700_000_000_000
  const conn = createZuoraConnection(zuoraConfig(), { dispatcher: agent, now: () => now })
  t.teardown(() => conn.close())
  const [a, b] = await Promise.all([conn.check(), conn.check()])
  t.equal(a, b, 'coalesced')
  t.match(a, { ok: true, checkedAt: new Date(now).toISOString() })
  now += 29_000
  t.equal(await conn.check(), a, 'cached')
  now += 2_000
  const c = await conn.check()
  t.not(c, a, 're-checked after the TTL')
  t.equal(agent.getCallHistory()?.calls().length, 3, '1 token + 2 ServiceProviderConfig')
})

t.test('check() failure: ok false with a secret-free detail, cached briefly', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/oauth/token', method: 'POST' }).reply(401, { error: 'invalid_client', error_description: CLIENT_SECRET }, { headers: JSON_HEADERS })
  const conn = createZuoraConnection(zuoraConfig(), { dispatcher: agent })
  t.teardown(() => conn.close())
  const r = await conn.check()
  t.equal(r.ok, false)
  t.match(r.detail, /HTTP 401 \(invalid_client\)/)
  t.notMatch(r.detail, CLIENT_SECRET)
  t.equal(await conn.check(), r, 'cached')
})

t.test('getUser goes through the cache; observer sees requests and cache outcomes', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/oauth/token', method: 'POST' }).reply(200, tokenBody('tk'), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: '/scim/v2/Users/u1', method: 'GET' }).reply(200, scimUser('u1'), { headers: JSON_HEADERS })
  const events: string[] = []
  const observer = {
    request: (e: { endpoint: string, status: number | 'error' }) => { events.push(`${e.endpoint}:${e.status}`) },
    cache: (e: { outcome: string }) => { events.push(`cache:${e.outcome}`) },
    tokenRefresh: (e: { outcome: string }) => { events.push(`token:${e.outcome}`); throw new Error('observer bugs never break the caller') }
  }
  const conn = createZuoraConnection(zuoraConfig(), { dispatcher: agent, observer })
  t.teardown(() => conn.close())
  t.equal((await conn.getUser('u1'))?.userName, 'user-u1')
  t.equal((await conn.getUser('u1'))?.userName, 'user-u1')
  t.same(events, ['token:200', 'token:ok', 'user:200', 'cache:miss', 'cache:hit'])
})

t.test('close(): refuses new work, leaves an injected dispatcher open, closes its own Agent', async t => {
  const agent = mockAgent(t)
  const conn = createZuoraConnection(zuoraConfig(), { dispatcher: agent })
  await conn.close()
  await conn.close()
  await t.rejects(conn.readDirectory(), { name: 'ZuoraError', kind: 'aborted' })
  await t.rejects(conn.getUser('x'), { name: 'ZuoraError', kind: 'aborted' })
  t.match(await conn.check(), { ok: false, detail: /closed/ })
  agent.get(BASE).intercept({ path: '/x', method: 'GET' }).reply(204, '')
  t.equal((await agent.request({ origin: BASE, path: '/x', method: 'GET' })).statusCode, 204, 'injected dispatcher still usable')

  const own = createZuoraConnection(zuoraConfig())
  await own.close()
  t.pass('own Agent closed')
})
