import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gzipSync } from 'node:zlib'
import t from 'tap'
import type { Dispatcher } from 'undici'
import type { UpstreamEndpoint } from '#src/zuora/types.ts'
import { createUpstream, type UpstreamOptions } from '#src/zuora/upstream.ts'
import { BASE, mockAgent, type Tap } from './helpers.ts'

const origins = [BASE]

/** The upstream client under test (one attempt unless told otherwise). */
function createHttpClient (options: Partial<UpstreamOptions> & { dispatcher?: Dispatcher, timeoutMs: number }) {
  return createUpstream({ maxConcurrency: 4, maxAttempts: 1, origins, ...options })
}

/** A loopback server answering each path with `routes[path]` (real sockets: the Agent's caps and timeouts apply). */
async function server (t: Tap, routes: Record<string, (res: ServerResponse) => void>): Promise<string> {
  const srv = createServer((req, res) => { routes[req.url ?? '']?.(res) })
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => { srv.closeAllConnections(); srv.close(resolve) }))
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`
}

t.test('sends Accept and a Zuora-Track-Id, captures Zuora-Request-Id, returns any non-3xx status', async t => {
  const agent = mockAgent(t)
  const pool = agent.get(BASE)
  pool.intercept({ path: '/scim/v2/Users?startIndex=1&count=2', method: 'GET' })
    .reply(200, '{"ok":true}', { headers: { 'content-type': 'application/scim+json', 'zuora-request-id': 'zr-1' } })
  pool.intercept({ path: '/scim/v2/Users/x', method: 'GET' }).reply(404, '{"status":"404"}', { headers: { 'content-type': 'application/json' } })
  const events: Array<{ endpoint: UpstreamEndpoint, status: number | 'error' }> = []
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 1000, origins, observer: { request: e => { events.push({ endpoint: e.endpoint, status: e.status }) } } })
  const res = await http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/scim/v2/Users?startIndex=1&count=2`, headers: { authorization: 'Bearer abc' } })
  t.equal(res.status, 200)
  t.equal(res.text, '{"ok":true}')
  t.equal(res.requestId, 'zr-1')
  t.equal(res.contentType, 'application/scim+json')
  const call = agent.getCallHistory()?.firstCall()
  const headers = call?.headers as Record<string, string>
  t.equal(headers.accept, 'application/scim+json, application/json')
  t.equal(headers.authorization, 'Bearer abc')
  const trackId = headers['zuora-track-id']
  t.match(trackId, /^[\x21-\x7e]{1,64}$/)
  t.notMatch(trackId, /[:;"']/)
  const missing = await http.send({ endpoint: 'groups', method: 'GET', url: `${BASE}/scim/v2/Users/x` })
  t.not((agent.getCallHistory()?.lastCall()?.headers as Record<string, string>)['zuora-track-id'], trackId, 'a new Track-Id per request')
  t.equal(missing.status, 404, 'a 4xx is returned, not thrown')
  t.same(events, [{ endpoint: 'users', status: 200 }, { endpoint: 'groups', status: 404 }])
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
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 1000, origins })
  await http.send({ endpoint: 'token', method: 'POST', url: `${BASE}/oauth/token`, body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  t.equal((agent.getCallHistory()?.lastCall()?.headers as Record<string, string>)['content-type'], 'application/x-www-form-urlencoded')
})

t.test('a redirect is refused and names the Location host, never followed', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=1&count=1', method: 'GET' })
    .reply(302, '', { headers: { location: 'https://evil.example/steal?token=abc', 'zuora-request-id': 'zr-9' } })
  agent.get(BASE).intercept({ path: '/scim/v2/Groups', method: 'GET' })
    .reply(301, '', { headers: { location: '/scim/v2/Groups/' } })
  agent.get(BASE).intercept({ path: '/scim/v2/Groups?x', method: 'GET' })
    .reply(301, '', { headers: { location: 'https://u:p@rest.eu.zuora.com/scim/v2/Groups' } })
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 1000, origins })
  const err = await http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/scim/v2/Users?startIndex=1&count=1` }).catch((e: unknown) => e)
  t.match(err, { name: 'ZuoraError', kind: 'upstream', upstreamStatus: 302, requestId: 'zr-9', httpStatus: 502 })
  t.match((err as Error).message, /HTTP 302 redirect to evil\.example \(off the configured Zuora hosts\) refused/)
  t.notMatch((err as Error).message, /token=abc|steal/, 'no path or query from the Location')
  const same = await http.send({ endpoint: 'groups', method: 'GET', url: `${BASE}/scim/v2/Groups` }).catch((e: unknown) => e)
  t.match((same as Error).message, /redirect to rest\.eu\.zuora\.com \(on the same host\) refused/)
  const userinfo = await http.send({ endpoint: 'groups', method: 'GET', url: `${BASE}/scim/v2/Groups?x` }).catch((e: unknown) => e)
  t.match((userinfo as Error).message, /redirect to rest\.eu\.zuora\.com \(off the configured Zuora hosts\) refused/, 'credentials in the Location: not the configured origin')
  t.notMatch((userinfo as Error).message, /u:p/)
  t.equal(agent.getCallHistory()?.calls().length, 3, 'no request to the redirect target')
})

t.test('response byte cap (once, in the Agent): declared, streamed, and decompressed', async t => {
  const big = 'x'.repeat(2000)
  const url = await server(t, {
    '/declared': res => { res.writeHead(200, { 'content-length': String(big.length) }).end(big) },
    '/streamed': res => { res.writeHead(200); res.write(big.slice(0, 600)); res.end(big.slice(600)) },
    '/bomb': res => { res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(Buffer.alloc(100_000))) },
    '/fits': res => { res.writeHead(200).end('y'.repeat(1000)) }
  })
  const http = createHttpClient({ timeoutMs: 1000, maxResponseBytes: 1000, origins: [url] })
  t.teardown(() => http.close())
  for (const path of ['/declared', '/streamed', '/bomb']) {
    await t.rejects(http.send({ endpoint: 'users', method: 'GET', url: `${url}${path}` }), { kind: 'payload', message: /response too large/ }, path)
  }
  t.equal((await http.send({ endpoint: 'users', method: 'GET', url: `${url}/fits` })).text.length, 1000)
})

t.test('gzip responses are decoded', async t => {
  const agent = mockAgent(t)
  const body = JSON.stringify({ totalResults: 0, resources: [] })
  agent.get(BASE).intercept({ path: '/gz', method: 'GET' }).reply(200, gzipSync(body), { headers: { 'content-encoding': 'gzip' } })
  agent.get(BASE).intercept({ path: '/broken', method: 'GET' }).reply(200, 'not gzip', { headers: { 'content-encoding': 'gzip' } })
  agent.get(BASE).intercept({ path: '/br', method: 'GET' }).reply(200, 'x', { headers: { 'content-encoding': 'zstd' } })
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 1000, origins })
  t.equal((await http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/gz` })).text, body)
  t.equal((agent.getCallHistory()?.firstCall()?.headers as Record<string, string>)['accept-encoding'], 'gzip')
  await t.rejects(http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/broken` }), { kind: 'payload', message: /could not decode/ })
  // node 20 has no zstd decoder: the body stays encoded and is refused
  await t.rejects(http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/br` }), { kind: 'payload', message: /unsupported content-encoding/ })
})

t.test('timeouts, resets and aborts become typed errors', async t => {
  const url = await server(t, { '/slow': () => {} })
  const slow = createHttpClient({ timeoutMs: 50, origins: [url] })
  t.teardown(() => slow.close())
  await t.rejects(slow.send({ endpoint: 'users', method: 'GET', url: `${url}/slow` }), { kind: 'timeout', httpStatus: 504, message: 'SCIM Users list timed out after 50 ms' })
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/reset', method: 'GET' }).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
  agent.get(BASE).intercept({ path: '/aborted', method: 'GET' }).reply(200, 'late').delay(500)
  const events: Array<number | 'error'> = []
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 50, observer: { request: e => { events.push(e.status) } } })
  await t.rejects(http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/reset` }), { kind: 'unavailable', code: 'ECONNRESET' })
  const ac = new AbortController()
  const p = http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/aborted`, signal: ac.signal })
  setTimeout(() => ac.abort(), 5)
  await t.rejects(p, { name: 'ZuoraError', kind: 'aborted' })
  t.same(events, ['error', 'error'])
  await http.close()
  await t.rejects(http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/after-close` }), { kind: 'aborted', message: /closed/ })
})

t.test('an owned Agent is created and closed', async t => {
  const http = createHttpClient({ timeoutMs: 1000 })
  await http.close()
  await http.close()
  t.pass('closed twice without error')
})

t.test('onStatus reports the response status (called when the head arrives)', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/s', method: 'GET' }).reply(200, '{"a":1}', { headers: { 'content-type': 'application/json' } })
  const seen: number[] = []
  const http = createHttpClient({ dispatcher: agent, timeoutMs: 1000, origins })
  const res = await http.send({ endpoint: 'users', method: 'GET', url: `${BASE}/s`, onStatus: s => { seen.push(s) } })
  t.same(seen, [200])
  t.equal(res.text, '{"a":1}')
})
