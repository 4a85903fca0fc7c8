import t from 'tap'
import { ZuoraError } from '#src/zuora/errors.ts'
import { createCachedLookup } from '#src/zuora/scim-cache.ts'

function setup (load: (key: string) => Promise<string | undefined>) {
  let now = 1_000_000 // lru-cache treats a start time of 0 as "no TTL"
  const outcomes: string[] = []
  const cache = createCachedLookup<string>({
    load: async key => await load(key),
    ttlMs: 1000,
    max: 10,
    perf: { now: () => now },
    observer: { cache: e => { outcomes.push(e.outcome) } }
  })
  return { cache, outcomes, advance: (ms: number) => { now += ms } }
}

t.test('hit, miss, inflight coalescing, and cached "not found"', async t => {
  let loads = 0
  const { cache, outcomes } = setup(async key => { loads++; await new Promise(resolve => setTimeout(resolve, 5)); return key === 'none' ? undefined : `v:${key}` })
  const [a, b] = await Promise.all([cache.get('k'), cache.get('k')])
  t.equal(a, 'v:k')
  t.equal(b, 'v:k')
  t.equal(loads, 1, 'coalesced')
  t.equal(await cache.get('k'), 'v:k')
  t.equal(loads, 1)
  t.equal(await cache.get('none'), undefined)
  t.equal(await cache.get('none'), undefined)
  t.equal(loads, 2, 'a 404 is cached too')
  t.same(outcomes, ['miss', 'inflight', 'hit', 'miss', 'hit'])
  t.equal(cache.size(), 2)
})

t.test('a cold-cache failure throws the upstream error (never "not found")', async t => {
  const boom = new ZuoraError('SCIM User "x" failed: HTTP 503', { kind: 'unavailable', endpoint: 'user', upstreamStatus: 503 })
  let fail = true
  const { cache } = setup(async () => { if (fail) throw boom; return 'ok' })
  await t.rejects(cache.get('x'), boom)
  await t.rejects(cache.get('x'), boom, 'not cached as a value')
  fail = false
  t.equal(await cache.get('x'), 'ok')
})

t.test('stale entries are served when the refresh fails, and refreshed in the background', async t => {
  let value = 'v1'
  let fail = false
  const { cache, outcomes, advance } = setup(async () => {
    if (fail) throw new ZuoraError('down', { kind: 'unavailable', endpoint: 'user' })
    return value
  })
  t.equal(await cache.get('k'), 'v1')
  advance(2000)
  fail = true
  t.equal(await cache.get('k'), 'v1', 'stale on fetch rejection')
  await new Promise(resolve => setImmediate(resolve))
  t.equal(await cache.get('k'), 'v1', 'still served stale')
  fail = false
  value = 'v2'
  t.equal(await cache.get('k'), 'v1', 'stale while the refresh runs')
  let got: string | undefined
  for (let i = 0; i < 3 && got !== 'v2'; i++) {
    await new Promise(resolve => setTimeout(resolve, 5))
    got = await cache.get('k')
  }
  t.equal(got, 'v2', 'the background refresh lands')
  t.ok(outcomes.includes('stale'))
  cache.clear()
  t.equal(cache.size(), 0)
})

t.test('a caller abort ends only that caller', async t => {
  let release: ((v: string) => void) | undefined
  const { cache } = setup(async () => await new Promise<string>(resolve => { release = resolve }))
  const ac = new AbortController()
  const first = cache.get('k', { signal: ac.signal })
  const second = cache.get('k')
  ac.abort()
  await t.rejects(first, { name: 'ZuoraError', kind: 'aborted' })
  await new Promise(resolve => setImmediate(resolve))
  release?.('shared')
  t.equal(await second, 'shared')
})
