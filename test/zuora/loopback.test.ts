/**
 * The connection against the real simulator over loopback HTTP (127.0.0.1, port 0): exact coverage and the
 * exact request count for both startIndex semantics, and the behaviours that need a real server.
 */
import t from 'tap'
import type { Config } from '../../src/config.ts'
import { Secret } from '../../src/secret.ts'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.ts'
import { createZuoraConnection } from '../../src/zuora/connection.ts'
import type { ZuoraError } from '../../src/zuora/errors.ts'
import type { ZuoraConnection } from '../../src/zuora/types.ts'
import type { Tap } from './helpers.ts'

async function sim (t: Tap, options: SimulatorOptions): Promise<RunningSimulator> {
  const s = await startSimulator(options)
  t.teardown(() => s.close())
  return s
}

function connect (t: Tap, s: RunningSimulator, overrides: Partial<Config['zuora']> = {}, tokenPath = '/oauth/token'): ZuoraConnection {
  const conn = createZuoraConnection({
    tenantBaseUrl: s.url,
    tokenUrl: `${s.url}${tokenPath}`,
    scimBaseUrl: `${s.url}/scim/v2`,
    clientId: SIM_CLIENT_ID,
    clientSecret: new Secret(SIM_CLIENT_SECRET),
    maxConcurrency: 4,
    requestTimeoutMs: 10_000,
    maxAttempts: 4,
    usersPageSize: 100,
    groupsPageSize: 100,
    usersStartIndex: 'item',
    groupsStartIndex: 'page',
    ...overrides
  }, {}, { backoff: { baseMs: 5, capMs: 20 } })
  t.teardown(() => conn.close())
  return conn
}

const sorted = (ids: Iterable<string>): string[] => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

t.test('10k users / 300 groups: exact coverage and exact request count, both startIndex semantics', async t => {
  const s = await sim(t, { users: 10_000, groups: 300, seed: 7 })
  const expectedUsers = sorted(s.control.users().map(u => u.id))
  const expectedGroups = sorted(s.control.groups().map(g => g.id))
  const expectedMembers = new Map(s.control.groups().map(g => [g.id, sorted(new Set(g.members))]))
  const modes: Array<{ users: 'item' | 'page', groups: 'item' | 'page' }> = [{ users: 'item', groups: 'page' }, { users: 'page', groups: 'item' }]
  for (const mode of modes) {
    s.control.set({ usersStartIndex: mode.users, groupsStartIndex: mode.groups })
    s.control.resetCounters()
    const conn = connect(t, s, { usersStartIndex: mode.users, groupsStartIndex: mode.groups })
    const read = await conn.readDirectory()
    t.same(read.users.map(u => u.id), expectedUsers, `users ${mode.users}: every user exactly once, sorted`)
    t.same(read.groups.map(g => g.id), expectedGroups, `groups ${mode.groups}: every group exactly once`)
    t.ok(read.groups.every(g => JSON.stringify(g.members) === JSON.stringify(expectedMembers.get(g.id))), 'memberships intact')
    t.equal(read.requests, 100 + 3, 'ceil(10000/100) + ceil(300/100)')
    t.equal(read.duplicatesDropped, 0)
    const c = s.control.counters()
    t.same(c.pagesServed, { users: 100, groups: 3 })
    t.equal(c.tokenRequests, 1)
    t.ok(c.maxConcurrent <= 4, `at most maxConcurrency in flight (${c.maxConcurrent})`)
    await conn.close()
  }
})

t.test('OneID-style token endpoint, revoked tokens (401 → refresh once), duplicates', async t => {
  const s = await sim(t, { users: 450, groups: 12, seed: 3, hostile: { duplicateIds: true } })
  const conn = connect(t, s, {}, '/oauth2/token')
  t.ok((await conn.check()).ok)
  s.control.revokeTokens()
  const read = await conn.readDirectory()
  t.equal(read.users.length, 450)
  t.ok(read.duplicatesDropped > 0, `duplicates dropped: ${read.duplicatesDropped}`)
  t.equal(s.control.counters().tokenRequests, 2, 'one refresh after the revocation')
})

t.test('rate limit: paces down on ratelimit-remaining; a 429 pauses the whole queue for Retry-After', async t => {
  const s = await sim(t, { users: 300, groups: 5, seed: 4, rateLimit: { perWindow: 4, windowMs: 1000, retryAfterSeconds: 1 } })
  const conn = connect(t, s, { usersPageSize: 50 })
  const read = await conn.readDirectory()
  t.equal(read.users.length, 300)
  const c = s.control.counters()
  t.equal(c.rateLimited, 0, 'ratelimit-remaining/reset pacing kept the client under the limit')
  t.equal(c.requestsDuringRetryAfter, 0)
  t.ok(conn.stats().rateLimitWaits > 0, 'the queue waited for the window to reset')

  s.control.set({ rateLimit: null, latencyMs: 5 })
  s.control.resetCounters()
  s.control.failNext(1, '429')
  const again = await conn.readDirectory()
  t.equal(again.users.length, 300)
  const c2 = s.control.counters()
  t.equal(c2.faultsByKind['429'], 1, 'one injected 429 (Retry-After: 1)')
  t.equal(c2.requestsDuringRetryAfter, 0, 'no request inside the Retry-After window')
  t.equal(again.requests, 6 + 1 + 1, '6 user pages + 1 group page + the retried one')
})

t.test('pages really go out in parallel, bounded by maxConcurrency', async t => {
  const s = await sim(t, { users: 1000, groups: 5, seed: 8, latencyMs: 15 })
  const conn = connect(t, s, { maxConcurrency: 3 })
  await conn.readDirectory()
  t.equal(s.control.counters().maxConcurrent, 3)
})

t.test('transient faults are retried; hostile payloads fail clearly', async t => {
  const s = await sim(t, { users: 300, groups: 5, seed: 5 })
  s.control.failNext(2, '503')
  s.control.failNext(1, 'reset')
  const conn = connect(t, s)
  const read = await conn.readDirectory()
  t.equal(read.users.length, 300)
  t.ok(conn.stats().retries >= 3)

  s.control.set({ hostile: { wrongTypes: true } })
  await t.rejects(conn.readDirectory(), { name: 'ZuoraError', kind: 'payload', message: /Malformed SCIM User ".*0" in SCIM Users page \d.*\/(roles|active)/ })

  s.control.set({ hostile: { totalResultsLie: 7 } })
  const err = await conn.readDirectory().catch((e: unknown) => e) as ZuoraError
  t.equal(err.kind, 'upstream')
  t.match(err.message, /kept changing while it was read \(3 full reads\)/)

  s.control.set({ hostile: { redirect: true } })
  await t.rejects(conn.readDirectory(), { name: 'ZuoraError', kind: 'upstream', message: /redirect to redirect\.invalid .*refused/ })
})

t.test('a listing that changes mid-read is re-read and comes back complete', async t => {
  const s = await sim(t, { users: 500, groups: 5, seed: 6 })
  s.control.mutateAfterPages(2, c => { c.addUser() })
  const conn = connect(t, s)
  const read = await conn.readDirectory()
  t.equal(read.users.length, 501)
  t.same(read.users.map(u => u.id), sorted(s.control.users().map(u => u.id)))
})
