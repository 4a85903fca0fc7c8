/**
 * The pause gate and the retry decisions, through the real upstream client (undici's retry interceptor over a
 * MockAgent) on a virtual clock: whole-gate pauses for 429 / Retry-After with nothing sent inside the window,
 * per-request backoff for 5xx and resets, the retry budget, pacing on ratelimit-remaining, aborts and close.
 */
import t from 'tap'
import type { MockAgent } from 'undici'
import { ZuoraError } from '#src/zuora/errors.ts'
import { createUpstream, type UpstreamOptions } from '#src/zuora/upstream.ts'
import { virtualClock, type VirtualClock } from './clock.ts'
import { BASE, mockAgent } from './helpers.ts'

const backoff = { baseMs: 100, capMs: 1000, random: () => 0 }

function upstream (t: Parameters<typeof mockAgent>[0], agent: MockAgent, clock: VirtualClock, extra: Partial<UpstreamOptions> = {}) {
  const u = createUpstream({ dispatcher: agent, clock, backoff, timeoutMs: 60_000, maxConcurrency: 2, maxAttempts: 3, origins: [BASE], ...extra })
  t.teardown(() => u.close())
  return u
}

const get = (u: ReturnType<typeof createUpstream>, path: string, extra: { signal?: AbortSignal, what?: string } = {}) =>
  u.send({ endpoint: 'users', method: 'GET', url: `${BASE}${path}`, ...extra })

/** Paths requested so far, in order. */
const sent = (agent: MockAgent): string[] => (agent.getCallHistory()?.calls() ?? []).map(c => c.path)

async function settle (clock: VirtualClock): Promise<void> {
  for (let i = 0; i < 4; i++) await clock.flush()
}

t.test('a 429 pauses the WHOLE gate until Retry-After, requests already waiting included; the limited one goes first', async t => {
  const clock = virtualClock()
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/p0', method: 'GET' }).reply(429, '', { headers: { 'retry-after': '10', 'ratelimit-remaining': '0', 'ratelimit-reset': '10' } })
  for (let i = 0; i < 6; i++) agent.get(BASE).intercept({ path: `/p${i}`, method: 'GET' }).reply(200, '{}')
  const u = upstream(t, agent, clock)
  const runs = Array.from({ length: 6 }, (_, i) => get(u, `/p${i}`))
  await settle(clock)
  t.match(u.stats(), { paused: true, pausedUntil: 10_000, rateLimitWaits: 1, rateLimitWaitMs: 10_000 })
  const before = sent(agent).length
  t.ok(before <= 2, `only requests already in flight were sent (${before})`)
  await clock.advance(9_999)
  await settle(clock)
  t.equal(sent(agent).length, before, 'nothing is sent during the window')
  await clock.advance(1)
  const results = await Promise.all(runs)
  t.ok(results.every(r => r.status === 200))
  t.equal(sent(agent)[before], '/p0', 'the limited request goes first after the pause')
  t.match(u.stats(), { retries: 1, requests: 7, paused: false })
})

t.test('429 without Retry-After: ratelimit-reset, else backoff — still a whole-gate pause', async t => {
  const clock = virtualClock()
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/x', method: 'GET' }).reply(429, '', { headers: { 'ratelimit-reset': '3' } })
  agent.get(BASE).intercept({ path: '/x', method: 'GET' }).reply(429, '')
  agent.get(BASE).intercept({ path: '/x', method: 'GET' }).reply(200, '{}')
  const waits: number[] = []
  const u = upstream(t, agent, clock, { observer: { rateLimitWait: e => { waits.push(e.waitMs) } } })
  const run = get(u, '/x')
  await settle(clock)
  await clock.advance(3_000)
  await settle(clock)
  await clock.advance(100)
  t.equal((await run).status, 200)
  t.same(waits, [3_000, 100])
})

t.test('retry budget: retryable statuses up to maxAttempts with per-request backoff, then a typed error', async t => {
  const clock = virtualClock()
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/p2', method: 'GET' }).reply(503, '<h1>Service Unavailable</h1>', { headers: { 'content-type': 'text/html' } }).times(3)
  const retries: string[] = []
  const u = upstream(t, agent, clock, { observer: { retry: e => { retries.push(e.reason) } } })
  const settled = get(u, '/p2', { what: 'SCIM Users page 2' }).catch((e: unknown) => e)
  await settle(clock)
  t.equal(u.stats().queued, 1, 'sleeping through its own backoff')
  t.equal(u.stats().paused, false, 'a 503 without Retry-After pauses nobody else')
  await clock.advance(10_000)
  const err = await settled as ZuoraError
  t.ok(err instanceof ZuoraError)
  t.match(err, { kind: 'unavailable', upstreamStatus: 503 })
  t.equal(err.message, 'SCIM Users page 2 failed: HTTP 503: Service Unavailable (after 3 attempts)')
  t.equal(sent(agent).length, 3)
  t.same(retries, ['503', '503'])
  t.equal(u.stats().rateLimitWaits, 0)
})

t.test('a 503 with Retry-After pauses the gate too', async t => {
  const clock = virtualClock()
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/a', method: 'GET' }).reply(503, '', { headers: { 'retry-after': '2' } })
  agent.get(BASE).intercept({ path: '/a', method: 'GET' }).reply(200, '{}')
  const u = upstream(t, agent, clock, { maxAttempts: 2 })
  const a = get(u, '/a')
  await settle(clock)
  t.equal(u.stats().paused, true)
  await clock.advance(2_000)
  t.equal((await a).status, 200)
})

t.test('never retries other 4xx (or 2xx)', async t => {
  const clock = virtualClock()
  const agent = mockAgent(t)
  const statuses = [200, 400, 401, 403, 404, 409]
  for (const status of statuses) agent.get(BASE).intercept({ path: `/s${status}`, method: 'GET' }).reply(status, '{}')
  const u = upstream(t, agent, clock, { maxAttempts: 5 })
  for (const status of statuses) t.equal((await get(u, `/s${status}`)).status, status)
  t.equal(sent(agent).length, statuses.length, 'each sent once')
  t.equal(u.stats().retries, 0)
})

t.test('transport errors: timeouts and resets are retried; a payload error is not', async t => {
  const clock = virtualClock()
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/t', method: 'GET' }).replyWithError(Object.assign(new Error('headers timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))
  agent.get(BASE).intercept({ path: '/t', method: 'GET' }).replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
  agent.get(BASE).intercept({ path: '/t', method: 'GET' }).reply(200, '{}')
  agent.get(BASE).intercept({ path: '/big', method: 'GET' }).replyWithError(Object.assign(new Error('too big'), { code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' }))
  agent.get(BASE).intercept({ path: '/hung', method: 'GET' }).replyWithError(Object.assign(new Error('headers timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' })).times(3)
  const retries: string[] = []
  const u = upstream(t, agent, clock, { maxConcurrency: 1, observer: { retry: e => { retries.push(e.reason) } } })
  const a = get(u, '/t')
  await settle(clock)
  await clock.advance(1_000)
  t.equal((await a).status, 200)
  t.same(retries, ['timeout', 'network'])
  await t.rejects(get(u, '/big'), { name: 'ZuoraError', kind: 'payload', message: /response too large/ })
  const hung = get(u, '/hung').catch((e: unknown) => e)
  await settle(clock)
  await clock.advance(5_000)
  const err = await hung as ZuoraError
  t.match(err, { kind: 'timeout', httpStatus: 504, message: 'SCIM Users list timed out after 60000 ms (after 3 attempts)' })
})

t.test('a Retry-After longer than the client waits fails fast', async t => {
  const clock = virtualClock()
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/x', method: 'GET' }).reply(429, '', { headers: { 'retry-after': '3600' } })
  const u = upstream(t, agent, clock, { maxAttempts: 5, maxRetryAfterMs: 60_000 })
  const err = await get(u, '/x').catch((e: unknown) => e) as ZuoraError
  t.match(err, { kind: 'rate-limited', httpStatus: 503, retryAfterMs: 3_600_000, message: /asked to wait 3600 s/ })
  t.equal(sent(agent).length, 1)
})

t.test('paces down when ratelimit-remaining runs low', async t => {
  const clock = virtualClock()
  const agent = mockAgent(t)
  const starts: number[] = []
  agent.get(BASE).intercept({ path: '/r', method: 'GET' })
    .reply(() => { starts.push(clock.now()); return { statusCode: 200, data: '{}', responseOptions: { headers: { 'ratelimit-remaining': '1', 'ratelimit-reset': '4' } } } }).times(3)
  const u = upstream(t, agent, clock, { maxConcurrency: 1, maxAttempts: 1 })
  const runs = [get(u, '/r'), get(u, '/r'), get(u, '/r')]
  for (let i = 0; i < 3; i++) {
    await settle(clock)
    await clock.advance(2_000)
  }
  await Promise.all(runs)
  t.same(starts, [0, 2_000, 4_000], 'reset 4 s spread over remaining+1 = 2 slots')

  const starts2: number[] = []
  const t0 = clock.now()
  agent.get(BASE).intercept({ path: '/z', method: 'GET' })
    .reply(() => { starts2.push(clock.now() - t0); return { statusCode: 200, data: '{}', responseOptions: { headers: { 'ratelimit-remaining': '0', 'ratelimit-reset': '5' } } } }).times(3)
  const u2 = upstream(t, agent, clock, { maxAttempts: 1 })
  const runs2 = [get(u2, '/z'), get(u2, '/z'), get(u2, '/z')]
  for (let i = 0; i < 2; i++) {
    await settle(clock)
    await clock.advance(5_000)
  }
  await Promise.all(runs2)
  t.same(starts2, [0, 5_000, 10_000], 'remaining 0: the gate waits for the reset after every answer')
})

t.test('abort drops waiting and sleeping work without sending it', async t => {
  const clock = virtualClock()
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/slow', method: 'GET' }).reply(200, '{}').delay(1000) // long enough to still be in flight when the second request is checked, even on a loaded machine
  agent.get(BASE).intercept({ path: '/b502', method: 'GET' }).reply(502, '')
  const u = upstream(t, agent, clock, { maxConcurrency: 1 })
  const first = get(u, '/slow')
  const ac = new AbortController()
  const second = get(u, '/never', { signal: ac.signal })
  await settle(clock)
  t.equal(u.stats().queued, 1)
  ac.abort()
  await t.rejects(second, { name: 'ZuoraError', kind: 'aborted' })
  t.equal(u.stats().queued, 0)
  t.equal((await first).status, 200)
  await t.rejects(get(u, '/never', { signal: AbortSignal.abort() }), { name: 'ZuoraError', kind: 'aborted' })

  const ac2 = new AbortController()
  const third = get(u, '/b502', { signal: ac2.signal })
  await settle(clock)
  t.equal(u.stats().queued, 1, 'sleeping through its backoff')
  ac2.abort()
  await t.rejects(third, { name: 'ZuoraError', kind: 'aborted' })
  t.equal(u.stats().queued, 0)
  t.same(sent(agent), ['/slow', '/b502'])
})

t.test('close rejects waiting work and refuses new work', async t => {
  const clock = virtualClock()
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/a', method: 'GET' }).reply(429, '', { headers: { 'retry-after': '30' } })
  const u = upstream(t, agent, clock, { maxConcurrency: 1 })
  const a = get(u, '/a')
  const b = get(u, '/b')
  await settle(clock)
  await u.close()
  await t.rejects(a, { name: 'ZuoraError', kind: 'aborted' })
  await t.rejects(b, { name: 'ZuoraError', kind: 'aborted' })
  await t.rejects(get(u, '/c'), { kind: 'aborted', message: /closed/ })
})

t.test('a 429 with an HTTP-date Retry-After pauses the whole gate until that date', async t => {
  const start = Date.UTC(2026, 0, 1, 12, 0, 0)
  const clock = virtualClock(start)
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/d0', method: 'GET' }).reply(429, '', { headers: { 'retry-after': new Date(start + 7_000).toUTCString() } })
  for (let i = 0; i < 4; i++) agent.get(BASE).intercept({ path: `/d${i}`, method: 'GET' }).reply(200, '{}')
  const u = upstream(t, agent, clock)
  const runs = Array.from({ length: 4 }, (_, i) => get(u, `/d${i}`))
  await settle(clock)
  t.equal(u.stats().pausedUntil, start + 7_000)
  const before = sent(agent).length
  await clock.advance(6_999)
  await settle(clock)
  t.equal(sent(agent).length, before, 'nothing more inside the window')
  await clock.advance(1)
  t.ok((await Promise.all(runs)).every(r => r.status === 200))
  t.equal(u.stats().rateLimitWaitMs, 7_000)
})
