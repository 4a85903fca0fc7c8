import t from 'tap'
import { backoffDelay, parseRateLimit, parseRetryAfter, retryDelay } from '#src/zuora/retry-after.ts'

const NOW = Date.parse('2026-01-01T00:00:00Z')

t.test('Retry-After: delta seconds and HTTP-date', async t => {
  t.equal(parseRetryAfter('5', NOW), 5000)
  t.equal(parseRetryAfter(' 0 ', NOW), 0)
  t.equal(parseRetryAfter(['3', '9'], NOW), 3000, 'first value wins')
  t.equal(parseRetryAfter('1.5', NOW), 1500, 'lenient fractional seconds')
  t.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', NOW), 30_000)
  t.equal(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', NOW), 0, 'a past date means now')
  t.equal(parseRetryAfter(undefined, NOW), undefined)
  t.equal(parseRetryAfter('', NOW), undefined)
  t.equal(parseRetryAfter('-5', NOW), undefined)
  t.equal(parseRetryAfter('1e3', NOW), undefined)
  t.equal(parseRetryAfter('soon', NOW), undefined)
})

t.test('ratelimit-reset / ratelimit-remaining', async t => {
  t.equal(parseRateLimit('600'), 600)
  t.equal(parseRateLimit('10, 60;w=60'), 10)
  t.equal(parseRateLimit('x'), undefined)
  t.equal(parseRateLimit(undefined), undefined)
  t.equal(parseRateLimit('399'), 399)
  t.equal(parseRateLimit('0'), 0)
  t.equal(parseRateLimit('abc'), undefined)
})

/** A repeatable [0, 1) sequence standing in for Math.random. */
const sequence = () => {
  let i = 0
  return () => (i++ * 0.618034) % 1
}

t.test('backoff: exponential, capped, jittered, seedable', async t => {
  const r1 = sequence()
  const r2 = sequence()
  const a = [1, 2, 3, 4, 5, 6, 12].map(n => backoffDelay(n, { baseMs: 100, capMs: 1000, random: r1 }))
  const b = [1, 2, 3, 4, 5, 6, 12].map(n => backoffDelay(n, { baseMs: 100, capMs: 1000, random: r2 }))
  t.same(a, b, 'same seed, same delays')
  const bounds = [100, 200, 400, 800, 1000, 1000, 1000]
  a.forEach((d, i) => {
    t.ok(d >= bounds[i] / 2 && d <= bounds[i], `attempt ${i}: ${d} within [${bounds[i] / 2}, ${bounds[i]}]`)
  })
  t.equal(backoffDelay(1, { baseMs: 100, random: () => 0 }), 50)
  t.equal(backoffDelay(1, { baseMs: 100, random: () => 0.999999 }), 100)
})

t.test('retryDelay precedence: Retry-After, then ratelimit-reset (429 only), then backoff', async t => {
  const backoff = { baseMs: 100, random: () => 0 }
  t.same(retryDelay({ headers: { 'retry-after': '2', 'ratelimit-reset': '9' }, status: 429, attempt: 1, now: NOW, backoff }), { delayMs: 2000, source: 'retry-after' })
  t.same(retryDelay({ headers: { 'ratelimit-reset': '9' }, status: 429, attempt: 1, now: NOW, backoff }), { delayMs: 9000, source: 'ratelimit-reset' })
  t.same(retryDelay({ headers: { 'ratelimit-reset': '9' }, status: 503, attempt: 1, now: NOW, backoff }), { delayMs: 50, source: 'backoff' })
  t.same(retryDelay({ headers: {}, status: 429, attempt: 2, now: NOW, backoff }), { delayMs: 100, source: 'backoff' })
})
