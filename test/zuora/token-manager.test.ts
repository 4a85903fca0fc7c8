import t from 'tap'
import type { MockAgent } from 'undici'
import { Secret } from '#src/secret.ts'
import { AUTH_HINT, ZuoraError } from '#src/zuora/errors.ts'
import { createUpstream } from '#src/zuora/upstream.ts'
import { createTokenManager, type TokenManagerOptions } from '#src/zuora/token-manager.ts'
import { virtualClock } from './clock.ts'
import { BASE, CLIENT_ID, CLIENT_SECRET, JSON_HEADERS, mockAgent, tokenBody } from './helpers.ts'

const TOKEN_PATH = '/oauth/token'

function manager (agent: MockAgent, extra: Partial<TokenManagerOptions> = {}, maxAttempts = 3) {
  const upstream = createUpstream({ dispatcher: agent, timeoutMs: 1000, maxConcurrency: 1, maxAttempts, backoff: { baseMs: 1, capMs: 2 }, origins: [BASE] })
  return createTokenManager({ tokenUrl: `${BASE}${TOKEN_PATH}`, clientId: CLIENT_ID, clientSecret: new Secret(CLIENT_SECRET), upstream, ...extra })
}

t.test('form body, headers, token_type case-insensitive', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, { ...tokenBody('tok-A'), token_type: 'BeArEr' }, { headers: JSON_HEADERS })
  const refreshes: string[] = []
  const tm = manager(agent, { observer: { tokenRefresh: e => { refreshes.push(e.outcome) } } })
  t.equal(await tm.getToken(), 'tok-A')
  const call = agent.getCallHistory()?.firstCall()
  t.same(Object.fromEntries(new URLSearchParams(call?.body ?? '')), { client_id: CLIENT_ID, client_secret: CLIENT_SECRET, grant_type: 'client_credentials' })
  const headers = call?.headers as Record<string, string>
  t.equal(headers['content-type'], 'application/x-www-form-urlencoded')
  t.equal(headers.authorization, undefined, 'no Authorization header on the token call')
  t.ok(headers['zuora-track-id'])
  t.same(refreshes, ['ok'])
  t.equal(tm.requests(), 1)
})

t.test('single-flight: 1000 concurrent callers → exactly 1 token request', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, tokenBody('tok-S'), { headers: JSON_HEADERS }).delay(20)
  const tm = manager(agent)
  const tokens = await Promise.all(Array.from({ length: 1000 }, () => tm.getToken()))
  t.ok(tokens.every(x => x === 'tok-S'))
  t.equal(tm.requests(), 1)
  t.equal(agent.getCallHistory()?.calls().length, 1)
  t.equal(await tm.getToken(), 'tok-S', 'cached afterwards')
  t.equal(tm.requests(), 1)
})

t.test('cached until expires_in − skew (60 s), bounded to half the lifetime for short TTLs', async t => {
  const agent = mockAgent(t)
  let now = 1_000_000
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, tokenBody('t1', 3599), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, tokenBody('t2', 10), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, tokenBody('t3', '3600' as unknown as number), { headers: JSON_HEADERS })
  const tm = manager(agent, { now: () => now })
  t.equal(await tm.getToken(), 't1')
  t.equal(tm.current()?.refreshAt, 1_000_000 + 3_599_000 - 60_000)
  now += 3_599_000 - 60_000 - 1
  t.equal(await tm.getToken(), 't1', 'still fresh 1 ms before the refresh point')
  now += 1
  t.equal(await tm.getToken(), 't2', 'refreshed at expires_in − 60 s')
  t.equal(tm.current()?.refreshAt, now + 5_000, '10 s token: skew bounded to 5 s')
  now += 5_000
  t.equal(await tm.getToken(), 't3', 'numeric-string expires_in accepted')
})

t.test('invalidate drops only the current token', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, tokenBody('old'), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, tokenBody('new'), { headers: JSON_HEADERS })
  const tm = manager(agent)
  t.equal(await tm.getToken(), 'old')
  tm.invalidate('old')
  t.equal(await tm.getToken(), 'new')
  tm.invalidate('old')
  t.equal(await tm.getToken(), 'new', 'a late 401 for the old token does not drop the new one')
  t.equal(tm.requests(), 2)
})

t.test('invalid_client (400 or 401) → auth error with the hint, no secret in it', async t => {
  for (const status of [400, 401]) {
    const agent = mockAgent(t)
    agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' })
      .reply(status, { error: 'invalid_client', error_description: `bad client ${CLIENT_SECRET}` }, { headers: JSON_HEADERS })
    const refreshes: string[] = []
    const tm = manager(agent, { clientAuth: 'post', observer: { tokenRefresh: e => { refreshes.push(e.outcome) } } })
    const err = await tm.getToken().catch((e: unknown) => e) as ZuoraError
    t.ok(err instanceof ZuoraError)
    t.equal(err.kind, 'auth')
    t.equal(err.httpStatus, 502)
    t.equal(err.upstreamStatus, status)
    t.equal(err.code, 'invalid_client')
    t.equal(err.requestId, 'req-1')
    t.match(err.message, AUTH_HINT)
    t.match(err.message, /data center/)
    t.notMatch(err.message, CLIENT_SECRET)
    t.notMatch(JSON.stringify(err), CLIENT_SECRET)
    t.equal(tm.requests(), 1, 'not retried')
    t.same(refreshes, ['error'])
    t.match(err.message, /ZUORA_OAUTH_CLIENT_AUTH=basic/, 'names the other client authentication method')
  }
})

t.test('429 honours Retry-After; 5xx are retried; the budget ends in a typed error', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(429, '', { headers: { 'retry-after': '0' } })
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(503, '<html>down</html>', { headers: { 'content-type': 'text/html' } })
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, tokenBody('after-retries'), { headers: JSON_HEADERS })
  const tm = manager(agent)
  t.equal(await tm.getToken(), 'after-retries')
  t.equal(tm.requests(), 3)

  const agent2 = mockAgent(t)
  agent2.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(502, 'bad gateway').times(3)
  const tm2 = manager(agent2)
  await t.rejects(tm2.getToken(), { name: 'ZuoraError', kind: 'unavailable', upstreamStatus: 502, message: /after 3 attempts/ })
  t.equal(tm2.requests(), 3)
})

t.test('unusable token responses are payload errors', async t => {
  const bodies: Array<[unknown, RegExp]> = [
    ['not json', /not JSON/],
    [{ token_type: 'bearer', expires_in: 3600 }, /no access_token/],
    [{ access_token: 'x', token_type: 'mac', expires_in: 3600 }, /not bearer/]
  ]
  for (const [body, re] of bodies) {
    const agent = mockAgent(t)
    agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, typeof body === 'string' ? body : JSON.stringify(body), { headers: JSON_HEADERS })
    await t.rejects(manager(agent).getToken(), { name: 'ZuoraError', kind: 'payload', message: re })
  }
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, { access_token: 'no-expiry' }, { headers: JSON_HEADERS })
  const warnings: object[] = []
  const logger = { debug () {}, info () {}, warn (o: object) { warnings.push(o) }, error () {} }
  const tm = manager(agent, { now: () => 0, logger })
  t.equal(await tm.getToken(), 'no-expiry', 'missing expires_in: short fallback lifetime')
  t.equal(tm.current()?.expiresAt, 300_000)
  t.equal(warnings.length, 1)
})

t.test('a failed flight does not poison the next call; an aborted caller does not cancel the flight', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(401, { error: 'invalid_client' }, { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, tokenBody('ok'), { headers: JSON_HEADERS }).delay(30)
  const tm = manager(agent, { clientAuth: 'post' })
  await t.rejects(tm.getToken(), { name: 'ZuoraError', kind: 'auth' })
  const ac = new AbortController()
  const aborted = tm.getToken({ signal: ac.signal })
  const patient = tm.getToken()
  ac.abort()
  await t.rejects(aborted, { name: 'ZuoraError', kind: 'aborted' })
  t.equal(await patient, 'ok')
  t.equal(tm.requests(), 2)
})

t.test('single-flight on an expired token: 50 concurrent callers → exactly 1 new token request', async t => {
  const agent = mockAgent(t)
  let now = 5_000_000
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, tokenBody('first', 3599), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, tokenBody('second', 3599), { headers: JSON_HEADERS }).delay(10)
  const tm = manager(agent, { now: () => now })
  t.equal(await tm.getToken(), 'first')
  now += 3_599_000 - 60_000 // the refresh point
  const tokens = await Promise.all(Array.from({ length: 50 }, () => tm.getToken()))
  t.ok(tokens.every(x => x === 'second'), 'every caller gets the one new token')
  t.equal(tm.requests(), 2)
  t.equal(agent.getCallHistory()?.calls().length, 2)
})

t.test('token endpoint 429: the gate waits Retry-After, then a typed rate-limited error once the budget is spent', async t => {
  const clock = virtualClock(1_000_000)
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(429, '', { headers: { 'retry-after': '2', 'zuora-request-id': 'rl-1' } }).times(2)
  const upstream = createUpstream({ dispatcher: agent, timeoutMs: 1000, maxConcurrency: 1, maxAttempts: 2, clock, origins: [BASE] })
  const tm = createTokenManager({ tokenUrl: `${BASE}${TOKEN_PATH}`, clientId: CLIENT_ID, clientSecret: new Secret(CLIENT_SECRET), upstream, now: clock.now })
  const settled = tm.getToken().catch((e: unknown) => e)
  for (let i = 0; i < 100 && !upstream.stats().paused; i++) await clock.flush()
  t.equal(tm.requests(), 1)
  t.equal(upstream.stats().pausedUntil, 1_002_000, 'paused for Retry-After: 2')
  await clock.advance(1_999)
  t.equal(tm.requests(), 1, 'nothing sent inside the window')
  await clock.advance(1)
  const err = await settled as ZuoraError
  t.equal(tm.requests(), 2)
  t.ok(err instanceof ZuoraError)
  t.match(err, { kind: 'rate-limited', endpoint: 'token', upstreamStatus: 429, httpStatus: 503, retryAfterMs: 2_000, requestId: 'rl-1' })
  t.match(err.message, /OAuth token request failed: HTTP 429 \(after 2 attempts\)/)
})

t.test('token endpoint 5xx and other 4xx: typed errors, 5xx retried, 4xx not', async t => {
  const cases: Array<[number, string, number]> = [[500, 'unavailable', 3], [503, 'unavailable', 3], [504, 'timeout', 3], [400, 'upstream', 1], [403, 'auth', 1]]
  for (const [status, kind, attempts] of cases) {
    const agent = mockAgent(t)
    agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' })
      .reply(status, { error: status === 400 ? 'unsupported_grant_type' : 'server_error', error_description: `echo ${CLIENT_SECRET}` }, { headers: JSON_HEADERS })
      .times(attempts)
    const tm = manager(agent)
    const err = await tm.getToken().catch((e: unknown) => e) as ZuoraError
    t.ok(err instanceof ZuoraError, String(status))
    t.equal(err.kind, kind, `${status} → ${kind}`)
    t.equal(err.upstreamStatus, status)
    t.equal(tm.requests(), attempts, `${status}: ${attempts} attempt(s)`)
    t.notMatch(err.message, CLIENT_SECRET, 'the secret echoed by the server is scrubbed')
    t.notMatch(JSON.stringify(err), CLIENT_SECRET)
  }
})
