/**
 * The connection against the real simulator over loopback HTTP (127.0.0.1, port 0): exact coverage and the
 * exact request count for both startIndex semantics (item pages overlap by one resource; a multi-page
 * page-semantics listing is read twice), a listing that shifts mid-read, and the behaviours that need a real server.
 */
import t from 'tap'
import type { Config } from '#src/config.ts'
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '#simulator/index.ts'
import { createZuoraConnection, type ZuoraConnection } from '#src/zuora/connection.ts'
import { isZuoraError, type ZuoraError } from '#src/zuora/errors.ts'
import { MAX_REREADS } from '#src/zuora/scim-client.ts'
import { createTokenManager } from '#src/zuora/token-manager.ts'
import { createUpstream } from '#src/zuora/upstream.ts'
import type { DirectoryRead } from '#src/zuora/types.ts'
import { simZuoraConfig } from './helpers.ts'
import type { Tap } from './helpers.ts'

async function sim (t: Tap, options: SimulatorOptions): Promise<RunningSimulator> {
  const s = await startSimulator(options)
  t.teardown(() => s.close())
  return s
}

function connect (t: Tap, s: RunningSimulator, overrides: Partial<Config['zuora']> = {}, tokenPath = '/oauth/token'): ZuoraConnection {
  const conn = createZuoraConnection(simZuoraConfig(s.url, { tokenUrl: `${s.url}${tokenPath}`, maxAttempts: 4, ...overrides }), {}, { backoff: { baseMs: 5, capMs: 20 } })
  t.teardown(() => conn.close())
  return conn
}

const sorted = (ids: Iterable<string>): string[] => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

t.test('10k users / 300 groups: exact coverage and exact request count, both startIndex semantics', async t => {
  const s = await sim(t, { users: 10_000, groups: 300, seed: 7 })
  const expectedUsers = sorted(s.control.users().map(u => u.id))
  const expectedGroups = sorted(s.control.groups().map(g => g.id))
  const expectedMembers = new Map(s.control.groups().map(g => [g.id, sorted(new Set(g.members))]))
  // item, count 100: 1 + ceil((T − 100)/99) pages; page, count 100: ceil(T/100) pages, twice when more than one
  const modes: Array<{ users: 'item' | 'page', groups: 'item' | 'page', pages: { users: number, groups: number } }> = [
    { users: 'item', groups: 'page', pages: { users: 1 + 100, groups: 2 * 3 } }, // 1 + ceil(9900/99); 2 × ceil(300/100)
    { users: 'page', groups: 'item', pages: { users: 2 * 100, groups: 1 + 3 } } // 2 × ceil(10000/100); 1 + ceil(200/99)
  ]
  for (const mode of modes) {
    s.control.set({ usersStartIndex: mode.users, groupsStartIndex: mode.groups })
    s.control.resetCounters()
    const conn = connect(t, s, { usersStartIndex: mode.users, groupsStartIndex: mode.groups })
    const read = await conn.readDirectory()
    t.same(read.users.map(u => u.id), expectedUsers, `users ${mode.users}: every user exactly once, sorted`)
    t.same(read.groups.map(g => g.id), expectedGroups, `groups ${mode.groups}: every group exactly once`)
    t.ok(read.groups.every(g => JSON.stringify(g.members) === JSON.stringify(expectedMembers.get(g.id))), 'memberships intact')
    t.equal(read.requests, mode.pages.users + mode.pages.groups, `users ${mode.users}: ${mode.pages.users} pages, groups ${mode.groups}: ${mode.pages.groups}`)
    const c = s.control.counters()
    t.same(c.pagesServed, mode.pages)
    t.equal(c.tokenRequests, 1)
    t.ok(c.maxConcurrent <= 4, `at most maxConcurrency in flight (${c.maxConcurrent})`)
    await conn.close()
  }
})

t.test('OneID-style token endpoint, revoked tokens (401 → refresh once); duplicates that hide users fail the read', async t => {
  const s = await sim(t, { users: 450, groups: 12, seed: 3 })
  const conn = connect(t, s, {}, '/oauth2/token')
  t.equal((await conn.readDirectory()).users.length, 450, 'warm: a token Zuora has accepted')
  s.control.revokeTokens()
  s.control.resetCounters()
  const read = await conn.readDirectory()
  t.same(read.users.map(u => u.id), sorted(s.control.users().map(u => u.id)))
  const c = s.control.counters()
  t.equal(c.tokenRequests, 1, 'one refresh after the revocation')
  t.equal(c.unauthorized, 2, 'both first pages saw the revoked token')
  t.equal(read.requests, 5 + 1 + 2, 'users 1 + ceil(350/99) = 5, groups 1, and the two retries after the 401s')

  // every 50th user from index 101 listed twice: 457 rows for 450 users (totalResults 457) — 7 users a client
  // trusting the count would believe it has not seen. Never a partial read: a clear error after the re-reads.
  s.control.set({ hostile: { duplicateIds: true } })
  s.control.resetCounters()
  const err = await conn.readDirectory().catch((e: unknown) => e) as ZuoraError
  t.ok(isZuoraError(err), 'a ZuoraError, not a directory')
  t.match(err, { kind: 'upstream', endpoint: 'users', httpStatus: 502 })
  t.match(err.message, /Users listing kept changing while it was read \(3 full reads\): 450 distinct resources read although totalResults is 457 \(duplicates hide missing resources\)/)
  t.match(err.message, /No partial directory/)
  t.equal(s.control.counters().pagesServed.users, (MAX_REREADS + 1) * (1 + 4), 'each read: 1 + ceil(357/99) = 5 pages')
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
  t.equal(again.requests, 7 + 1 + 1, '1 + ceil(250/49) = 7 user pages + 1 group page + the retried one')
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
  // round 1: 1 + ceil(400/99) = 6 pages (5 after the first saw totalResults 501); round 2: 1 + ceil(401/99) = 6
  t.equal(read.requests, 2 + 5 + 6, 'the first pages, the rest of round 1, the whole of round 2')
})

const LAST_ID = 'ffffffff-ffff-4fff-8fff-ffffffffffff'

/**
 * Reads the directory while the simulator removes one resource near the start of the listing and adds one at its
 * end once `after` list pages were served (totalResults unchanged). Returns the read (or its error) and the ids
 * that existed during the whole read.
 */
async function readWhileShifting (t: Tap, s: RunningSimulator, resource: 'users' | 'groups', after: number, removeAt: number, overrides: Partial<Config['zuora']> = {}) {
  const list = (): ReadonlyArray<{ id: string }> => resource === 'users' ? s.control.users() : s.control.groups()
  const before = list().map(x => x.id)
  const removed = before[removeAt]
  s.control.resetCounters() // before the hook: it counts pages from the counters' current value
  s.control.mutateAfterPages(after, c => {
    if (resource === 'users') {
      c.removeUser(removed)
      c.addUser({ id: LAST_ID })
    } else {
      c.removeGroup(removed)
      c.addGroup({ id: LAST_ID })
    }
  })
  const conn = connect(t, s, overrides)
  const result: { ok: DirectoryRead } | { err: unknown } = await conn.readDirectory().then(ok => ({ ok }), (err: unknown) => ({ err }))
  await conn.close()
  const remaining = new Set(list().map(x => x.id))
  return { result, before, removed, existedThroughout: before.filter(id => remaining.has(id)), now: sorted(remaining) }
}

t.test('the hole, over HTTP: a user removed on an already-read page and one added after it (totalResults unchanged)', async t => {
  const s = await sim(t, { users: 300, groups: 5, seed: 9 })
  // the first pages of users and groups are served, then users()[10] (on page 1) disappears and LAST_ID appears
  // at the end. Before the fix the next page (startIndex 101) began one user late and one user was silently lost.
  const shift = await readWhileShifting(t, s, 'users', 2, 10)
  t.ok('ok' in shift.result, 'read again from the start and completed')
  if (!('ok' in shift.result)) return
  const got = shift.result.ok.users.map(u => u.id)
  t.same(got, shift.now, 'the complete, consistent listing as it is after the change')
  t.ok(shift.existedThroughout.every(id => got.includes(id)), 'every user that existed during the whole read is there')
  t.notOk(got.includes(shift.removed), 'the removed user is gone')
  t.equal(shift.result.ok.requests, 2 + 3 + 4, 'first pages, the rest of the shifted round (1 + ceil(200/99) = 4 pages), a full re-read')
  t.same(s.control.counters().pagesServed, { users: 4 + 4, groups: 1 })
})

t.test('the hole, over HTTP: whatever page the shift lands on, the read is complete or fails — never short', async t => {
  const s = await sim(t, { users: 300, groups: 25, seed: 10 })
  const cases: Array<{ resource: 'users' | 'groups', after: number, removeAt: number }> = []
  for (const after of [1, 2, 3, 4, 5, 7]) {
    for (const removeAt of [0, 50, 98, 99, 150]) cases.push({ resource: 'users', after, removeAt })
    for (const removeAt of [0, 5, 9, 15]) cases.push({ resource: 'groups', after, removeAt })
  }
  let reReads = 0
  for (const c of cases) {
    s.control.reset(10)
    const label = `${c.resource}: removed #${c.removeAt}, added at the end, after ${c.after} pages`
    // groups: page semantics with 10 per page → 3 pages, read twice
    const shift = await readWhileShifting(t, s, c.resource, c.after, c.removeAt, { groupsPageSize: 10 })
    if ('ok' in shift.result) {
      const got = (c.resource === 'users' ? shift.result.ok.users : shift.result.ok.groups).map(x => x.id)
      const missing = shift.existedThroughout.filter(id => !got.includes(id))
      t.same(missing, [], `${label}: nothing that existed during the whole read is missing`)
      t.ok(JSON.stringify(got) === JSON.stringify(sorted(shift.before)) || JSON.stringify(got) === JSON.stringify(shift.now),
        `${label}: the listing as it was before or after the change, never a mix`)
      if (JSON.stringify(got) === JSON.stringify(shift.now)) reReads++
    } else {
      const err = shift.result.err as Error
      t.ok(isZuoraError(err), `${label}: a ZuoraError (${err.message})`)
    }
  }
  t.ok(reReads > 0, `some shifts were caught and re-read (${reReads} of ${cases.length})`)
})

t.test('a listing that keeps shifting fails with a ZuoraError after the re-reads', async t => {
  const s = await sim(t, { users: 300, groups: 5, seed: 11 })
  let next = 0
  let active = true
  // after every second list page: the first user goes, a new last one comes (totalResults unchanged), so every
  // read sees its first page before a shift and the rest after it
  const shift = (c: RunningSimulator['control']): void => {
    if (!active) return
    c.removeUser(c.users()[0].id)
    c.addUser({ id: `ffffffff-ffff-4fff-8fff-${String(next++).padStart(12, '0')}` })
    c.mutateAfterPages(2, shift)
  }
  s.control.resetCounters()
  s.control.mutateAfterPages(2, shift)
  const conn = connect(t, s)
  const err = await conn.readDirectory().catch((e: unknown) => e) as ZuoraError
  active = false
  t.ok(isZuoraError(err), 'a ZuoraError, never a directory')
  t.match(err, { kind: 'upstream', endpoint: 'users' })
  t.match(err.message, /Users listing kept changing while it was read \(3 full reads\): .*(does not start where page|distinct resources)/)
  t.equal(s.control.counters().pagesServed.users, (MAX_REREADS + 1) * 4, '1 + ceil(200/99) = 4 pages per read')
})

t.test('token single-flight: 1000 concurrent callers on a cold token → exactly 1 token request (simulator counter)', async t => {
  const s = await sim(t, { users: 10, groups: 1, seed: 71 })
  const config = simZuoraConfig(s.url)
  const upstream = createUpstream({ timeoutMs: 10_000, maxConcurrency: 8, maxAttempts: 3, origins: [s.url] })
  t.teardown(() => upstream.close())
  const tokens = createTokenManager({ ...config, upstream })
  const got = await Promise.all(Array.from({ length: 1000 }, () => tokens.getToken()))
  t.equal(new Set(got).size, 1, 'every caller answered with the one token')
  t.equal(s.control.counters().tokenRequests, 1, 'one token request for 1000 callers')
})

t.test('429 storm with a real Retry-After: the queue pauses, nothing is sent inside the window, nothing is lost', async t => {
  const s = await sim(t, { users: 300, groups: 3, seed: 72, retryAfterSeconds: 1 })
  const conn = connect(t, s, { usersPageSize: 50, maxAttempts: 10 })
  s.control.failNext(8, '429')
  const started = Date.now()
  const read = await conn.readDirectory()
  t.equal(read.users.length, 300, 'every user read')
  const c = s.control.counters()
  t.equal(c.faultsByKind['429'], 8, '8 × 429 injected')
  t.equal(c.requestsDuringRetryAfter, 0, 'no request inside a Retry-After window')
  t.ok(conn.stats().rateLimitWaits >= 1, 'the whole queue paused')
  t.ok(Date.now() - started >= 1000, 'paused at least Retry-After')
})
