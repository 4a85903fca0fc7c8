import t from 'tap'
import { get, sim, token } from './helpers.ts'

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms))

t.test('429 with Retry-After and ratelimit-* headers; requests ignoring it are counted', async t => {
  const s = await sim(t, { users: 20, groups: 2, rateLimit: { perWindow: 3, windowMs: 60_000, retryAfterSeconds: 1, graceMs: 0 } })
  const tok = await token(s)
  const statuses: number[] = []
  let limited
  for (let i = 0; i < 6; i++) {
    const r = await get(s, '/scim/v2/Users?count=1', tok)
    statuses.push(r.status)
    if (i === 0) {
      t.equal(r.headers.get('ratelimit-limit'), '3, 3;w=60')
      t.equal(r.headers.get('ratelimit-remaining'), '2')
      t.ok(Number(r.headers.get('ratelimit-reset')) > 0)
    }
    if (r.status === 429) limited = r
  }
  t.same(statuses, [200, 200, 200, 429, 429, 429])
  t.equal(limited!.headers.get('retry-after'), '1')
  t.equal(limited!.headers.get('ratelimit-remaining'), '0')
  const c = s.control.counters()
  t.equal(c.rateLimited, 3)
  t.equal(c.requestsDuringRetryAfter, 2, 'the two requests after the first 429 ignored Retry-After')
  t.same(c.requests['users.list'], { 200: 3, 429: 3 })
  t.equal(c.tokenRequests, 1, 'token endpoint is not rate limited by the SCIM limiter')
})

t.test('a client that waits Retry-After is not counted; grace covers in-flight requests', async t => {
  const s = await sim(t, { users: 5, groups: 1, rateLimit: { requestsPerSecond: 2, graceMs: 500 } })
  const tok = await token(s)
  const burst = await Promise.all([0, 1, 2, 3, 4].map(() => get(s, '/scim/v2/Users', tok)))
  const limited = burst.filter(r => r.status === 429)
  t.ok(limited.length >= 1, 'burst over 2 rps is limited')
  t.equal(s.control.counters().requestsDuringRetryAfter, 0, 'simultaneous requests fall inside the grace period')
  const wait = Math.max(...limited.map(r => Number(r.headers.get('retry-after'))))
  t.ok(wait >= 1)
  await sleep(wait * 1000 + 50)
  t.equal((await get(s, '/scim/v2/Users', tok)).status, 200)
  t.equal(s.control.counters().requestsDuringRetryAfter, 0)
})

t.test('rate limit can be switched at run time; injected 429s also set Retry-After', async t => {
  const s = await sim(t, { users: 5, groups: 1 })
  const tok = await token(s)
  s.control.set({ rateLimit: { requestsPerSecond: 1 } })
  t.equal((await get(s, '/scim/v2/Groups', tok)).status, 200)
  t.equal((await get(s, '/scim/v2/Groups', tok)).status, 429)
  s.control.set({ rateLimit: null })
  t.equal((await get(s, '/scim/v2/Groups', tok)).status, 200)
  t.equal(s.control.settings().rateLimit, null)

  s.control.resetCounters()
  s.control.set({ retryAfterSeconds: 2 })
  s.control.failNext(1, '429')
  const r = await get(s, '/scim/v2/Users', tok)
  t.equal(r.status, 429)
  t.equal(r.headers.get('retry-after'), '2')
  await sleep(150)
  await get(s, '/scim/v2/Users', tok)
  t.equal(s.control.counters().requestsDuringRetryAfter, 1)
})

t.test('maxConcurrent is the in-flight high-water mark', async t => {
  const s = await sim(t, { users: 5, groups: 1, latencyMs: 100 })
  const tok = await token(s)
  await Promise.all(Array.from({ length: 6 }, () => get(s, '/scim/v2/Users', tok)))
  const c = s.control.counters()
  t.ok(c.maxConcurrent >= 2, `maxConcurrent ${c.maxConcurrent}`)
  t.equal(c.inFlight, 0)
})
