import { gzipSync } from 'node:zlib'
import t from 'tap'
import { ACCEPT, createHttpClient, newTrackId } from '#src/zuora/http.ts'
import type { UpstreamEndpoint } from '#src/zuora/types.ts'
import { BASE, mockAgent } from './helpers.ts'

const policy = { allowCustomHosts: false, origins: [BASE] }

t.test('sends Accept and a Zuora-Track-Id, captures Zuora-Request-Id, returns any non-3xx status', async t => {
  const agent = mockAgent(t)
  const pool = agent.get(BASE)
  pool.intercept({ path: '/scim/v2/Users?startIndex=1&count=2', method: 'GET' })
    .reply(200, '{"ok":true}', { headers: { 'content-type': 'application/scim+json', 'zuora-request-id': 'zr-1' } })
  pool.intercept({ path: '/scim/v2/Users/x', method: 'GET' }).reply(404, '{"status":"404"}', { headers: { 'content-type': 'application/json' } })
  const events: Array<{ endpoint: UpstreamEndpoint, status: number | 'error' }> = []
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 1000, policy, observer: { request: e => { events.push({ endpoint: e.endpoint, status: e.status }) } } })
  const res = await http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/scim/v2/Users?startIndex=1&count=2`, headers: { authorization: 'Bearer abc' } })
  t.equal(res.status, 200)
  t.equal(res.text, '{"ok":true}')
  t.equal(res.requestId, 'zr-1')
  t.equal(res.contentType, 'application/scim+json')
  const call = agent.getCallHistory()?.firstCall()
  const headers = call?.headers as Record<string, string>
  t.equal(headers.accept, ACCEPT)
  t.equal(headers.authorization, 'Bearer abc')
  t.equal(headers['zuora-track-id'], res.trackId)
  t.match(res.trackId, /^[\x21-\x7e]{1,64}$/)
  t.notMatch(res.trackId, /[:;"']/)
  const missing = await http.send({ endpoint: 'groups', method: 'GET', url: `${BASE}/scim/v2/Users/x` })
  t.equal(missing.status, 404, 'a 4xx is returned, not thrown')
  t.same(events, [{ endpoint: 'users', status: 200 }, { endpoint: 'groups', status: 404 }])
  t.not(newTrackId(), newTrackId())
  await http.close()
  // the injected dispatcher belongs to the test: still usable after close()
  agent.get(BASE).intercept({ path: '/still-open', method: 'GET' }).reply(204, '')
  const again = await agent.request({ origin: BASE, path: '/still-open', method: 'GET' })
  t.equal(again.statusCode, 204)
  await again.body.dump()
})

t.test('POST bodies get a content-type', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/oauth/token', method: 'POST', body: 'a=b' }).reply(200, '{}')
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 1000, policy })
  await http.send({ endpoint: 'token', method: 'POST', url: `${BASE}/oauth/token`, body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal((agent.getCallHistory()?.lastCall()?.headers as Record<string, string>)['content-type'], 'application/x-www-form-urlencoded')
})

t.test('a redirect is refused and names the Location host, never followed', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=1&count=1', method: 'GET' })
    .reply(302, '', { headers: { location: 'https://evil.example/steal?token=abc', 'zuora-request-id': 'zr-9' } })
  agent.get(BASE).intercept({ path: '/scim/v2/Groups', method: 'GET' })
    .reply(301, '', { headers: { location: '/scim/v2/Groups/' } })
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 1000, policy })
  const err = await http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/scim/v2/Users?startIndex=1&count=1` }).catch((e: unknown) => e)
  t.match(err, { name: 'ZuoraError', kind: 'upstream', upstreamStatus: 302, requestId: 'zr-9', httpStatus: 502 })
  t.match((err as Error).message, /HTTP 302 redirect to evil\.example \(off the configured Zuora hosts\) refused/)
  t.notMatch((err as Error).message, /token=abc|steal/, 'no path or query from the Location')
  const same = await http.send({ endpoint: 'groups', method: 'GET', url: `${BASE}/scim/v2/Groups` }).catch((e: unknown) => e)
  t.match((same as Error).message, /redirect to rest\.eu\.zuora\.com \(on the same host\) refused/)
  t.equal(agent.getCallHistory()?.calls().length, 2, 'no request to the redirect target')
})

t.test('response byte cap: declared and streamed', async t => {
  const agent = mockAgent(t)
  const big = 'x'.repeat(2000)
  agent.get(BASE).intercept({ path: '/declared', method: 'GET' }).reply(200, big, { headers: { 'content-length': String(big.length) } })
  agent.get(BASE).intercept({ path: '/streamed', method: 'GET' }).reply(200, big)
  agent.get(BASE).intercept({ path: '/bomb', method: 'GET' }).reply(200, gzipSync(Buffer.alloc(100_000)), { headers: { 'content-encoding': 'gzip' } })
  agent.get(BASE).intercept({ path: '/fits', method: 'GET' }).reply(200, 'y'.repeat(1000))
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 1000, maxResponseBytes: 1000, policy })
  for (const path of ['/declared', '/streamed', '/bomb']) {
    await t.rejects(http.send({ endpoint: 'users', method: 'GET', url: `${BASE}${path}` }), { kind: 'payload', message: /response too large/ }, path)
  }
  t.equal((await http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/fits` })).text.length, 1000)
})

t.test('gzip responses are decoded', async t => {
  const agent = mockAgent(t)
  const body = JSON.stringify({ totalResults: 0, resources: [] })
  agent.get(BASE).intercept({ path: '/gz', method: 'GET' }).reply(200, gzipSync(body), { headers: { 'content-encoding': 'gzip' } })
  agent.get(BASE).intercept({ path: '/broken', method: 'GET' }).reply(200, 'not gzip', { headers: { 'content-encoding': 'gzip' } })
  agent.get(BASE).intercept({ path: '/br', method: 'GET' }).reply(200, 'x', { headers: { 'content-encoding': 'zstd' } })
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 1000, policy })
  t.equal((await http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/gz` })).text, body)
  t.equal((agent.getCallHistory()?.firstCall()?.headers as Record<string, string>)['accept-encoding'], 'gzip')
  await t.rejects(http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/broken` }), { kind: 'payload', message: /could not decode/ })
  await t.rejects(http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/br` }), { kind: 'payload', message: /unsupported content-encoding/ })
})

t.test('timeouts, resets and aborts become typed errors', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/slow', method: 'GET' }).reply(200, 'late').delay(500)
  agent.get(BASE).intercept({ path: '/reset', method: 'GET' }).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
  agent.get(BASE).intercept({ path: '/aborted', method: 'GET' }).reply(200, 'late').delay(500)
  const events: Array<number | 'error'> = []
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 50, policy, observer: { request: e => { events.push(e.status) } } })
  await t.rejects(http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/slow` }), { kind: 'timeout', httpStatus: 504, message: 'SCIM Users list timed out after 50 ms' })
  await t.rejects(http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/reset` }), { kind: 'unavailable', code: 'ECONNRESET' })
  const ac = new AbortController()
  const p = http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/aborted`, signal: ac.signal })
  setTimeout(() => ac.abort(), 5)
  await t.rejects(p, { name: 'ZuoraError', kind: 'aborted' })
  t.same(events, ['error', 'error', 'error'])
  await http.close()
  await t.rejects(http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/after-close` }), { kind: 'aborted', message: /closed/ })
})

t.test('an owned Agent is created and closed', async t => {
  const http = createHttpClient({ timeoutMs: 1000, policy })
  t.ok(http.dispatcher)
  await http.close()
  t.equal((http.dispatcher as unknown as { closed: boolean }).closed, true)
})

t.test('onStatus reports the response status (called when the head arrives)', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/s', method: 'GET' }).reply(200, '{"a":1}', { headers: { 'content-type': 'application/json' } })
  const seen: number[] = []
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 1000, policy })
  const res = await http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/s`, onStatus: s => { seen.push(s) } })
  t.same(seen, [200])
  t.equal(res.text, '{"a":1}')
})
