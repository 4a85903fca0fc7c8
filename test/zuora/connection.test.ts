import t from 'tap'
import { createZuoraConnection } from '#src/zuora/connection.ts'
import { BASE, JSON_HEADERS, listResponse, mockAgent, scimUser, tokenBody, zuoraConfig } from './helpers.ts'

t.test('tenant is the host of the tenant base URL; stats start at zero', async t => {
  const conn = createZuoraConnection(zuoraConfig(), { dispatcher: mockAgent(t) })
  t.equal(conn.tenant, 'rest.eu.zuora.com')
  t.same(conn.stats(), { active: 0, queued: 0, paused: false, pausedUntil: null, requests: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0 })
  await conn.close()
})

t.test('the observer sees requests and token refreshes; a throwing observer never breaks the caller', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/oauth/token', method: 'POST' }).reply(200, tokenBody('tk'), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=1&count=100', method: 'GET' }).reply(200, listResponse([scimUser('u1')], 1), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=100', method: 'GET' }).reply(200, listResponse([], 0), { headers: JSON_HEADERS })
  const events: string[] = []
  const observer = {
    request: (e: { endpoint: string, status: number | 'error' }) => { events.push(`${e.endpoint}:${e.status}`) },
    tokenRefresh: (e: { outcome: string }) => { events.push(`token:${e.outcome}`); throw new Error('observer bugs never break the caller') }
  }
  const conn = createZuoraConnection(zuoraConfig({ maxConcurrency: 1 }), { dispatcher: agent, observer })
  t.teardown(() => conn.close())
  t.same((await conn.readDirectory()).users.map(u => u.userName), ['user-u1'])
  t.same(events, ['token:200', 'token:ok', 'users:200', 'groups:200'])
})

t.test('close(): refuses new work, leaves an injected dispatcher open, closes its own Agent', async t => {
  const agent = mockAgent(t)
  const conn = createZuoraConnection(zuoraConfig(), { dispatcher: agent })
  await conn.close()
  await conn.close()
  await t.rejects(conn.readDirectory(), { name: 'ZuoraError', kind: 'aborted' })
  agent.get(BASE).intercept({ path: '/x', method: 'GET' }).reply(204, '')
  t.equal((await agent.request({ origin: BASE, path: '/x', method: 'GET' })).statusCode, 204, 'injected dispatcher still usable')

  const own = createZuoraConnection(zuoraConfig())
  await own.close()
  t.pass('own Agent closed')
})
