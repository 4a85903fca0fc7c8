import t from 'tap'
import { ZuoraError } from '#src/zuora/errors.ts'
import type { UpstreamResponse } from '#src/zuora/http.ts'
import { createRequestQueue } from '#src/zuora/request-queue.ts'
import { virtualClock } from './clock.ts'

function response (status: number, headers: Record<string, string> = {}, text = ''): UpstreamResponse {
  return { status, headers, text, contentType: 'application/json', requestId: undefined, trackId: 't', durationMs: 1 }
}

const backoff = { baseMs: 100, capMs: 1000, random: () => 0 }

t.test('bounded concurrency', async t => {
  const clock = virtualClock()
  const q = createRequestQueue({ maxConcurrency: 3, maxAttempts: 1, clock, backoff })
  let active = 0
  let maxActive = 0
  const releases: Array<() => void> = []
  const runs = Array.from({ length: 10 }, () => q.run({
    endpoint: 'users',
    send: () => new Promise(resolve => {
      active++
      maxActive = Math.max(maxActive, active)
      releases.push(() => { active--; resolve(response(200)) })
    })
  }))
  await clock.flush()
  t.equal(q.stats().active, 3)
  t.equal(q.stats().queued, 7)
  while (releases.length > 0) {
    releases.shift()?.()
    await clock.flush()
  }
  await Promise.all(runs)
  t.equal(maxActive, 3)
  t.equal(q.stats().requests, 10)
})

t.test('a 429 pauses the WHOLE queue until Retry-After, including requests already waiting', async t => {
  const clock = virtualClock()
  const q = createRequestQueue({ maxConcurrency: 2, maxAttempts: 3, clock, backoff })
  const starts: Array<{ task: number, at: number }> = []
  let limited = false
  const runs = Array.from({ length: 6 }, (_, task) => q.run({
    endpoint: 'users',
    send: async () => {
      starts.push({ task, at: clock.now() })
      if (task === 0 && !limited) {
        limited = true
        return response(429, { 'retry-after': '10', 'ratelimit-remaining': '0', 'ratelimit-reset': '10' })
      }
      return response(200)
    }
  }))
  await clock.flush()
  const stats = q.stats()
  t.equal(stats.paused, true)
  t.equal(stats.pausedUntil, 10_000)
  t.equal(stats.rateLimitWaits, 1)
  t.equal(stats.rateLimitWaitMs, 10_000)
  t.equal(starts.length, 2, 'only the two requests already in flight were sent')
  await clock.advance(9_999)
  t.equal(starts.length, 2, 'nothing is sent during the window')
  await clock.advance(1)
  const results = await Promise.all(runs)
  t.ok(results.every(r => r.status === 200))
  t.same(starts.slice(2).map(s => s.at), [10_000, 10_000, 10_000, 10_000, 10_000])
  t.equal(starts[2].task, 0, 'the limited request goes first after the pause')
  t.equal(q.stats().retries, 1)
  t.equal(q.stats().paused, false)
})

t.test('429 without Retry-After: ratelimit-reset, else backoff — still a whole-queue pause', async t => {
  const clock = virtualClock()
  const waits: number[] = []
  const q = createRequestQueue({ maxConcurrency: 1, maxAttempts: 3, clock, backoff, observer: { rateLimitWait: e => { waits.push(e.waitMs) } } })
  let n = 0
  const run = q.run({ endpoint: 'users', send: async () => (++n === 1 ? response(429, { 'ratelimit-reset': '3' }) : n === 2 ? response(429) : response(200)) })
  await clock.advance(3_000)
  await clock.advance(100)
  t.equal((await run).status, 200)
  t.same(waits, [3_000, 100])
})

t.test('retry budget: retryable statuses up to maxAttempts, then a typed error', async t => {
  const clock = virtualClock()
  const retries: string[] = []
  const q = createRequestQueue({ maxConcurrency: 2, maxAttempts: 3, clock, backoff, observer: { retry: e => { retries.push(e.reason) } } })
  let sends = 0
  const run = q.run({ endpoint: 'users', what: 'SCIM Users page 2', send: async () => { sends++; return response(503, {}, '<h1>Service Unavailable</h1>') } })
  const settled = run.catch((e: unknown) => e)
  await clock.advance(10_000)
  const err = await settled
  t.ok(err instanceof ZuoraError)
  t.equal((err as ZuoraError).kind, 'unavailable')
  t.equal((err as ZuoraError).upstreamStatus, 503)
  t.equal((err as ZuoraError).message, 'SCIM Users page 2 failed: HTTP 503: Service Unavailable (after 3 attempts)')
  t.equal(sends, 3)
  t.same(retries, ['503', '503'])
  t.equal(q.stats().rateLimitWaits, 0, 'a 503 without Retry-After is a per-request backoff')
})

t.test('a 503 with Retry-After pauses the queue too', async t => {
  const clock = virtualClock()
  const q = createRequestQueue({ maxConcurrency: 2, maxAttempts: 2, clock, backoff })
  let n = 0
  const a = q.run({ endpoint: 'users', send: async () => (++n === 1 ? response(503, { 'retry-after': '2' }) : response(200)) })
  await clock.flush()
  t.equal(q.stats().paused, true)
  await clock.advance(2_000)
  t.equal((await a).status, 200)
})

t.test('never retries other 4xx (or 2xx)', async t => {
  const clock = virtualClock()
  const q = createRequestQueue({ maxConcurrency: 2, maxAttempts: 5, clock, backoff })
  for (const status of [200, 400, 401, 403, 404, 409]) {
    let sends = 0
    const res = await q.run({ endpoint: 'users', send: async () => { sends++; return response(status) } })
    t.equal(res.status, status)
    t.equal(sends, 1, `${status} sent once`)
  }
  t.equal(q.stats().retries, 0)
})

t.test('transport errors: timeouts and resets are retried; payload and unknown errors are not', async t => {
  const clock = virtualClock()
  const q = createRequestQueue({ maxConcurrency: 1, maxAttempts: 3, clock, backoff })
  let n = 0
  const a = q.run({
    endpoint: 'users',
    send: async () => {
      n++
      if (n === 1) throw new ZuoraError('timed out', { kind: 'timeout', endpoint: 'users' })
      if (n === 2) throw new ZuoraError('reset', { kind: 'unavailable', endpoint: 'users', code: 'ECONNRESET' })
      return response(200)
    }
  })
  await clock.advance(1_000)
  t.equal((await a).status, 200)
  t.equal(n, 3)

  let m = 0
  const b = q.run({ endpoint: 'users', send: async () => { m++; throw new ZuoraError('too big', { kind: 'payload', endpoint: 'users' }) } })
  await t.rejects(b, { name: 'ZuoraError', kind: 'payload' })
  t.equal(m, 1)
  const c = q.run({ endpoint: 'users', send: async () => { throw new TypeError('bug') } })
  await t.rejects(c, TypeError)

  const d = q.run({ endpoint: 'users', send: async () => { throw new ZuoraError('timed out', { kind: 'timeout', endpoint: 'users' }) } })
  const settled = d.catch((e: unknown) => e)
  await clock.advance(5_000)
  const err = await settled as ZuoraError
  t.equal(err.kind, 'timeout')
  t.match(err.message, 'timed out (after 3 attempts)')
})

t.test('a Retry-After longer than the client waits fails fast', async t => {
  const clock = virtualClock()
  const q = createRequestQueue({ maxConcurrency: 1, maxAttempts: 5, clock, backoff, maxRetryAfterMs: 60_000 })
  let sends = 0
  const err = await q.run({ endpoint: 'users', send: async () => { sends++; return response(429, { 'retry-after': '3600' }) } }).catch((e: unknown) => e) as ZuoraError
  t.equal(err.kind, 'rate-limited')
  t.equal(err.httpStatus, 503)
  t.equal(err.retryAfterMs, 3_600_000)
  t.match(err.message, /asked to wait 3600 s/)
  t.equal(sends, 1)
})

t.test('paces down when ratelimit-remaining runs low', async t => {
  const clock = virtualClock()
  const q = createRequestQueue({ maxConcurrency: 1, maxAttempts: 1, clock, backoff })
  const starts: number[] = []
  const send = async (): Promise<UpstreamResponse> => { starts.push(clock.now()); return response(200, { 'ratelimit-remaining': '1', 'ratelimit-reset': '4' }) }
  const runs = [q.run({ endpoint: 'users', send }), q.run({ endpoint: 'users', send }), q.run({ endpoint: 'users', send })]
  await clock.advance(10_000)
  await Promise.all(runs)
  t.same(starts, [0, 2_000, 4_000], 'reset 4 s spread over remaining+1 = 2 slots')

  const q2 = createRequestQueue({ maxConcurrency: 2, maxAttempts: 1, clock, backoff })
  const starts2: number[] = []
  const t0 = clock.now()
  const send2 = async (): Promise<UpstreamResponse> => { starts2.push(clock.now() - t0); return response(200, { 'ratelimit-remaining': '0', 'ratelimit-reset': '5' }) }
  const runs2 = [q2.run({ endpoint: 'users', send: send2 }), q2.run({ endpoint: 'users', send: send2 }), q2.run({ endpoint: 'users', send: send2 })]
  await clock.advance(20_000)
  await Promise.all(runs2)
  t.same(starts2, [0, 0, 5_000], 'remaining 0: the queue waits for the reset')
})

t.test('abort drops queued work without sending it', async t => {
  const clock = virtualClock()
  const q = createRequestQueue({ maxConcurrency: 1, maxAttempts: 3, clock, backoff })
  let release: (() => void) | undefined
  const first = q.run({ endpoint: 'users', send: () => new Promise(resolve => { release = () => resolve(response(200)) }) })
  const ac = new AbortController()
  let sent = false
  const second = q.run({ endpoint: 'users', signal: ac.signal, send: async () => { sent = true; return response(200) } })
  await clock.flush()
  t.equal(q.stats().queued, 1)
  ac.abort()
  await t.rejects(second, { name: 'ZuoraError', kind: 'aborted' })
  t.equal(q.stats().queued, 0)
  release?.()
  t.equal((await first).status, 200)
  t.notOk(sent)
  await t.rejects(q.run({ endpoint: 'users', signal: AbortSignal.abort(), send: async () => response(200) }), { name: 'ZuoraError', kind: 'aborted' })

  // abort during a backoff sleep
  const ac2 = new AbortController()
  const third = q.run({ endpoint: 'users', signal: ac2.signal, send: async () => response(502) })
  await clock.flush()
  t.equal(q.stats().queued, 1, 'sleeping through its backoff')
  ac2.abort()
  await t.rejects(third, { name: 'ZuoraError', kind: 'aborted' })
  t.equal(q.stats().queued, 0)
})

t.test('close rejects queued work and refuses new work', async t => {
  const clock = virtualClock()
  const q = createRequestQueue({ maxConcurrency: 1, maxAttempts: 3, clock, backoff })
  const a = q.run({ endpoint: 'users', send: async () => response(429, { 'retry-after': '30' }) })
  const b = q.run({ endpoint: 'users', send: async () => response(200) })
  await clock.flush()
  q.close()
  await t.rejects(a, { name: 'ZuoraError', kind: 'aborted' })
  await t.rejects(b, { name: 'ZuoraError', kind: 'aborted' })
  await t.rejects(q.run({ endpoint: 'users', send: async () => response(200) }), { kind: 'aborted', message: /closed/ })
})

t.test('a 429 with an HTTP-date Retry-After pauses the whole queue until that date', async t => {
  const start = Date.UTC(2026, 0, 1, 12, 0, 0)
  const clock = virtualClock(start)
  const q = createRequestQueue({ maxConcurrency: 2, maxAttempts: 3, clock, backoff })
  const starts: number[] = []
  let limited = false
  const runs = Array.from({ length: 4 }, () => q.run({
    endpoint: 'users',
    send: async () => {
      starts.push(clock.now() - start)
      if (!limited) {
        limited = true
        return response(429, { 'retry-after': new Date(start + 7_000).toUTCString() })
      }
      return response(200)
    }
  }))
  await clock.flush()
  t.equal(q.stats().pausedUntil, start + 7_000)
  await clock.advance(6_999)
  t.equal(starts.length, 2, 'only what was already in flight')
  await clock.advance(1)
  t.ok((await Promise.all(runs)).every(r => r.status === 200))
  t.same(starts, [0, 0, 7_000, 7_000, 7_000])
  t.equal(q.stats().rateLimitWaitMs, 7_000)
})

t.test('a failure of another upstream call inside the task (the token request) is not retried again', async t => {
  const clock = virtualClock()
  const q = createRequestQueue({ maxConcurrency: 1, maxAttempts: 5, clock, backoff })
  let sends = 0
  const tokenDown = new ZuoraError('OAuth token request failed: HTTP 503 (after 5 attempts)', { kind: 'unavailable', endpoint: 'token', upstreamStatus: 503 })
  await t.rejects(q.run({ endpoint: 'users', send: async () => { sends++; throw tokenDown } }), tokenDown)
  t.equal(sends, 1, 'the token queue already spent its budget: no 5 × 5 token requests')
  t.equal(q.stats().retries, 0)
})

t.test('every attempt is bounded: a hung request times out (http client) and is retried within the budget', async t => {
  const clock = virtualClock()
  const q = createRequestQueue({ maxConcurrency: 1, maxAttempts: 2, clock, backoff })
  const signals: AbortSignal[] = []
  const ac = new AbortController()
  const run = q.run({
    endpoint: 'users',
    signal: ac.signal,
    send: async () => {
      signals.push(ac.signal)
      throw new ZuoraError('SCIM Users list timed out after 100 ms', { kind: 'timeout', endpoint: 'users' })
    }
  })
  const settled = run.catch((e: unknown) => e)
  await clock.advance(1_000)
  const err = await settled as ZuoraError
  t.equal(err.kind, 'timeout')
  t.equal(err.httpStatus, 504)
  t.equal(signals.length, 2)
  t.ok(signals.every(s => s === ac.signal), 'every attempt carries the task signal')
})
