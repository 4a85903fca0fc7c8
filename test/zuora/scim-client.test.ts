import t from 'tap'
import type { MockAgent } from 'undici'
import type { Config } from '#src/config.ts'
import { createZuoraConnection } from '#src/zuora/connection.ts'
import { AUTH_HINT, ZuoraError } from '#src/zuora/errors.ts'
import type { ZuoraLogger } from '#src/zuora/logger.ts'
import { MAX_REREADS, pagePlan, startIndexFor } from '#src/zuora/scim-client.ts'
import type { ReadProgress } from '#src/zuora/types.ts'
import { BASE, JSON_HEADERS, listResponse, mockAgent, scimGroup, scimUser, tokenBody, type Tap } from './helpers.ts'

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`)
const backoff = { baseMs: 1, capMs: 2, random: () => 0 }

/** A logger that keeps the warnings (why a listing was re-read). */
function recordingLogger (): ZuoraLogger & { warnings: string[] } {
  const warnings: string[] = []
  const noop = (): void => {}
  const logger: ZuoraLogger & { warnings: string[] } = {
    warnings,
    debug: noop,
    info: noop,
    error: noop,
    warn: (obj: object) => { warnings.push(String((obj as { problem?: unknown }).problem ?? '')) }
  }
  return logger
}

function connect (t: Tap, agent: MockAgent, overrides: Partial<Config['zuora']> = {}, logger?: ZuoraLogger) {
  const conn = createZuoraConnection({
    tenantBaseUrl: BASE,
    tokenUrl: `${BASE}/oauth/token`,
    scimBaseUrl: `${BASE}/scim/v2`,
    clientId: 'c',
    clientSecret: { reveal: () => 's' } as Config['zuora']['clientSecret'],
    maxConcurrency: 4,
    requestTimeoutMs: 2000,
    maxAttempts: 3,
    usersPageSize: 100,
    groupsPageSize: 10,
    usersStartIndex: 'item',
    groupsStartIndex: 'page',
    // these tests pin exact request sequences: one token request per attempt (auto is tested in token-manager.test.ts)
    clientAuth: 'post',
    ...overrides
  }, { dispatcher: agent, ...(logger !== undefined ? { logger } : {}) }, { backoff })
  t.teardown(() => conn.close())
  return conn
}

function token (agent: MockAgent, tok = 'tok-1', times = 1): void {
  agent.get(BASE).intercept({ path: '/oauth/token', method: 'POST' }).reply(200, tokenBody(tok), { headers: JSON_HEADERS }).times(times)
}

/** Serves `all` as a SCIM listing for the given request (both startIndex semantics). */
function page (agent: MockAgent, resource: 'Users' | 'Groups', startIndex: number, count: number, items: unknown[], total: number): void {
  agent.get(BASE).intercept({ path: `/scim/v2/${resource}?startIndex=${startIndex}&count=${count}`, method: 'GET' })
    .reply(200, listResponse(items, total, startIndex, count), { headers: JSON_HEADERS })
}

/** The SCIM paths requested for a resource, in order. */
function paths (agent: MockAgent, resource: 'Users' | 'Groups'): string[] {
  return (agent.getCallHistory()?.calls() ?? []).map(c => c.fullUrl.slice(c.origin.length)).filter(p => p.startsWith(`/scim/v2/${resource}?`))
}

t.test('startIndex semantics', async t => {
  t.same([0, 1, 2].map(k => startIndexFor('item', k, 100)), [1, 101, 201], 'item, no overlap (step = count)')
  t.same([0, 1, 2].map(k => startIndexFor('item', k, 100, 99)), [1, 100, 199], 'item, pages overlapping by one (step = count − 1)')
  t.same([0, 1, 2].map(k => startIndexFor('page', k, 10)), [1, 2, 3])
  t.same([0, 1, 2].map(k => startIndexFor('page', k, 10, 9)), [1, 2, 3], 'page numbers ignore the step')
})

t.test('pagePlan: item pages overlap by one resource; multi-page page-semantics listings get a verify pass', async t => {
  // item semantics: step = count − 1, pages = T ≤ count ? 1 : 1 + ceil((T − count)/(count − 1))
  t.same(pagePlan('item', 0, 100), { step: 99, pages: 1, verifyPass: false }, 'empty listing: one page')
  t.same(pagePlan('item', 1, 100), { step: 99, pages: 1, verifyPass: false })
  t.same(pagePlan('item', 100, 100), { step: 99, pages: 1, verifyPass: false }, 'exactly one full page')
  t.same(pagePlan('item', 101, 100), { step: 99, pages: 2, verifyPass: false })
  t.same(pagePlan('item', 199, 100), { step: 99, pages: 2, verifyPass: false }, 'pages 1–100 and 100–199')
  t.same(pagePlan('item', 200, 100), { step: 99, pages: 3, verifyPass: false }, 'one resource more needs a third page')
  t.same(pagePlan('item', 250, 100), { step: 99, pages: 3, verifyPass: false })
  t.same(pagePlan('item', 10_000, 100), { step: 99, pages: 101, verifyPass: false }, '1 + ceil(9900/99) = 101')
  t.same(pagePlan('item', 5, 2), { step: 1, pages: 4, verifyPass: false }, 'count 2: step 1')
  t.same(pagePlan('item', 5, 1), { step: 1, pages: 5, verifyPass: true }, 'count 1 cannot overlap: read twice instead')
  // page semantics: no overlap possible, read twice when there is more than one page
  t.same(pagePlan('page', 0, 10), { step: 10, pages: 1, verifyPass: false })
  t.same(pagePlan('page', 10, 10), { step: 10, pages: 1, verifyPass: false }, 'a single page is consistent by itself')
  t.same(pagePlan('page', 11, 10), { step: 10, pages: 2, verifyPass: true })
  t.same(pagePlan('page', 25, 10), { step: 10, pages: 3, verifyPass: true })

  // every item plan covers positions 1..T exactly: consecutive pages share one resource, the last page is not
  // empty, and one page fewer would not reach T
  for (let count = 2; count <= 12; count++) {
    for (let total = 0; total <= 300; total++) {
      const { step, pages } = pagePlan('item', total, count)
      const lastStart = startIndexFor('item', pages - 1, count, step)
      const ok = step === count - 1 &&
        lastStart + count - 1 >= total && // the last page reaches T
        (pages === 1 || lastStart <= total) && // … and is not empty
        (pages === 1 || startIndexFor('item', pages - 2, count, step) + count - 1 < total) // one page fewer falls short
      if (!ok) t.fail(`item plan for T=${total}, count=${count}: ${JSON.stringify({ step, pages })}`)
    }
  }
  t.pass('item plans are minimal and complete for T ≤ 300, count 2–12')
})

t.test('readDirectory: overlapping item pages for users, two passes of page-semantics groups, the exact plan', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 250)
  const groups = ids('g', 25)
  // users (item, count 100, step 99): 1 + ceil((250 − 100)/99) = 3 pages at startIndex 1, 100, 199
  for (let k = 0; k < 3; k++) {
    page(agent, 'Users', 1 + k * 99, 100, users.slice(k * 99, k * 99 + 100).map(id => scimUser(id, { groups: [{ value: 'g00000' }] })), 250)
  }
  // groups (page, count 10): ceil(25/10) = 3 pages, then the same 3 pages again (verify pass)
  for (let pass = 0; pass < 2; pass++) {
    for (let k = 0; k < 3; k++) page(agent, 'Groups', k + 1, 10, groups.slice(k * 10, k * 10 + 10).map(id => scimGroup(id, [users[0]])), 25)
  }
  const conn = connect(t, agent)
  const progress: ReadProgress[] = []
  const read = await conn.readDirectory({ onProgress: p => { progress.push(p) } })
  t.equal(read.users.length, 250)
  t.equal(read.groups.length, 25)
  t.same(read.users.map(u => u.id), users, 'sorted by id, the overlapping resources once')
  t.same(read.groups.map(g => g.id), groups)
  t.equal(read.requests, 3 + 2 * 3, 'users 1 + ceil(150/99) = 3; groups 2 × ceil(25/10) = 6')
  t.same(read.users[0].groups, ['g00000'])
  t.same(read.groups[0].members, [users[0]])
  t.same(paths(agent, 'Users'), ['/scim/v2/Users?startIndex=1&count=100', '/scim/v2/Users?startIndex=100&count=100', '/scim/v2/Users?startIndex=199&count=100'])
  t.same(paths(agent, 'Groups').slice().sort(), [1, 1, 2, 2, 3, 3].map(i => `/scim/v2/Groups?startIndex=${i}&count=10`))
  const calls = agent.getCallHistory()?.calls() ?? []
  t.equal(calls.length, 10, '1 token + 9 pages')
  for (const c of calls.slice(1)) t.equal((c.headers as Record<string, string>).authorization, 'Bearer tok-1')
  t.same(progress.map(p => p.phase).filter((p, i, a) => a[i - 1] !== p), ['token', 'first-pages', 'pages', 'done'])
  const last = progress[progress.length - 1]
  t.match(last, { phase: 'done', pagesDone: 9, pagesTotal: 9, usersRead: 250, groupsRead: 25, retries: 0 }, 'resources counted once (no overlap, no verify pass)')
  t.ok(progress.filter(p => p.phase === 'pages').every(p => p.pagesTotal === 9), 'pagesTotal known after the first pages')
  t.ok(progress.every(p => p.usersRead <= 250 && p.groupsRead <= 25), 'progress never counts a resource twice')
})

t.test('an empty directory: one request per resource', async t => {
  const agent = mockAgent(t)
  token(agent)
  page(agent, 'Users', 1, 100, [], 0)
  agent.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=10', method: 'GET' })
    .reply(200, { totalResults: 0, Resources: null }, { headers: JSON_HEADERS })
  const read = await connect(t, agent).readDirectory()
  t.same(read, { users: [], groups: [], requests: 2 })
})

t.test('a server that clamps count: the plan follows the page size it actually serves', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 120)
  // asked for 100, served 50: count 50, step 49 → 1 + ceil(70/49) = 3 pages at startIndex 1, 50, 99
  page(agent, 'Users', 1, 100, users.slice(0, 50).map(id => scimUser(id)), 120)
  page(agent, 'Users', 50, 50, users.slice(49, 99).map(id => scimUser(id)), 120)
  page(agent, 'Users', 99, 50, users.slice(98).map(id => scimUser(id)), 120)
  page(agent, 'Groups', 1, 10, [], 0)
  const read = await connect(t, agent).readDirectory()
  t.same(read.users.map(u => u.id), users)
  t.equal(read.requests, 4)
})

t.test('duplicates that hide missing resources fail the read clearly (never a partial read)', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 5)
  // count 3, step 2: startIndex 1 and 3. The overlap matches (u00002) and every page is full, but u00001 comes
  // back instead of u00004: 4 distinct ids for totalResults 5. Every read looks the same.
  for (let round = 0; round <= MAX_REREADS; round++) {
    page(agent, 'Users', 1, 3, users.slice(0, 3).map(id => scimUser(id)), 5)
    page(agent, 'Users', 3, 3, [users[2], users[3], users[1]].map(id => scimUser(id)), 5)
  }
  page(agent, 'Groups', 1, 10, [], 0)
  const logger = recordingLogger()
  const err = await connect(t, agent, { usersPageSize: 3 }, logger).readDirectory().catch((e: unknown) => e) as ZuoraError
  t.ok(err instanceof ZuoraError, 'a ZuoraError, not a directory')
  t.match(err, { kind: 'upstream', endpoint: 'users', httpStatus: 502 })
  t.match(err.message, /Users listing kept changing while it was read \(3 full reads\): 4 distinct resources read although totalResults is 5 \(duplicates hide missing resources\)/)
  t.match(err.message, /No partial directory/)
  t.equal(paths(agent, 'Users').length, 2 * (MAX_REREADS + 1), 'two pages per read, every read re-done from the start')
  t.equal(logger.warnings.length, MAX_REREADS, 'each re-read says why')

  // page semantics (groups): a duplicate across pages is no different
  const agent2 = mockAgent(t)
  token(agent2)
  page(agent2, 'Users', 1, 100, [], 0)
  for (let round = 0; round <= MAX_REREADS; round++) {
    page(agent2, 'Groups', 1, 2, [scimGroup('g1'), scimGroup('g2')], 3)
    page(agent2, 'Groups', 2, 2, [scimGroup('g2')], 3)
  }
  const err2 = await connect(t, agent2, { groupsPageSize: 2 }).readDirectory().catch((e: unknown) => e) as ZuoraError
  t.ok(err2 instanceof ZuoraError)
  t.match(err2, { kind: 'upstream', endpoint: 'groups' })
  t.match(err2.message, /Groups listing kept changing while it was read \(3 full reads\): 2 distinct resources read although totalResults is 3/)
  t.equal(paths(agent2, 'Groups').length, 2 * (MAX_REREADS + 1), 'no verify pass over an unstable listing')
})

t.test('a duplicate that disappears on the re-read: the second read is complete and nothing is counted as dropped', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 5)
  page(agent, 'Users', 1, 3, users.slice(0, 3).map(id => scimUser(id)), 5)
  page(agent, 'Users', 3, 3, [users[2], users[3], users[1]].map(id => scimUser(id)), 5)
  page(agent, 'Users', 1, 3, users.slice(0, 3).map(id => scimUser(id)), 5)
  page(agent, 'Users', 3, 3, users.slice(2).map(id => scimUser(id)), 5)
  page(agent, 'Groups', 1, 10, [], 0)
  const read = await connect(t, agent, { usersPageSize: 3 }).readDirectory()
  t.same(read.users.map(u => u.id), users)
  t.equal(read.requests, 2 + 2 + 1)
})

t.test('the hole: a user removed before a page boundary and one added after (totalResults unchanged) is caught by the overlap', async t => {
  const agent = mockAgent(t)
  token(agent)
  const [u0, u1, u2, u3, u4, u5, u6] = ids('u', 7)
  // count 3, step 2: startIndex 1, 3, 5. Page 1 is read from [u0 … u5]; then u1 is removed and u6 added, so the
  // listing is [u0 u2 u3 u4 u5 u6]. Without the overlap the next page (startIndex 4) would be [u4 u5 u6] and
  // u3 — a user that existed during the whole read — would be silently skipped.
  page(agent, 'Users', 1, 3, [u0, u1, u2].map(id => scimUser(id)), 6)
  page(agent, 'Users', 3, 3, [u3, u4, u5].map(id => scimUser(id)), 6)
  page(agent, 'Users', 5, 3, [u5, u6].map(id => scimUser(id)), 6)
  // the re-read sees the new listing, consistently
  page(agent, 'Users', 1, 3, [u0, u2, u3].map(id => scimUser(id)), 6)
  page(agent, 'Users', 3, 3, [u3, u4, u5].map(id => scimUser(id)), 6)
  page(agent, 'Users', 5, 3, [u5, u6].map(id => scimUser(id)), 6)
  page(agent, 'Groups', 1, 10, [], 0)
  const logger = recordingLogger()
  let last: ReadProgress | undefined
  const read = await connect(t, agent, { usersPageSize: 3 }, logger).readDirectory({ onProgress: p => { last = p } })
  t.same(read.users.map(u => u.id), [u0, u2, u3, u4, u5, u6], 'the listing as it is now: u3 is there')
  t.same(logger.warnings, ['page 2 does not start where page 1 ended (the listing shifted during the read)'])
  t.equal(read.requests, 3 + 3 + 1)
  t.match(last, { phase: 'done', pagesDone: 7, pagesTotal: 7, usersRead: 6 })
})

t.test('the hole with page semantics: a second pass that disagrees makes the listing be read again', async t => {
  const agent = mockAgent(t)
  token(agent)
  page(agent, 'Users', 1, 100, [], 0)
  // pass 1: page 1 from [g1 g2 g3]; then g1 is removed and g4 added: page 2 of [g2 g3 g4] is [g4] — g3 skipped,
  // yet 3 distinct ids for totalResults 3. The verify pass sees [g2 g3] [g4] and disagrees.
  page(agent, 'Groups', 1, 2, [scimGroup('g1'), scimGroup('g2')], 3)
  page(agent, 'Groups', 2, 2, [scimGroup('g4')], 3)
  page(agent, 'Groups', 1, 2, [scimGroup('g2'), scimGroup('g3')], 3)
  page(agent, 'Groups', 2, 2, [scimGroup('g4')], 3)
  // the re-read: both passes agree
  for (let pass = 0; pass < 2; pass++) {
    page(agent, 'Groups', 1, 2, [scimGroup('g2'), scimGroup('g3')], 3)
    page(agent, 'Groups', 2, 2, [scimGroup('g4')], 3)
  }
  const logger = recordingLogger()
  let last: ReadProgress | undefined
  const read = await connect(t, agent, { groupsPageSize: 2 }, logger).readDirectory({ onProgress: p => { last = p } })
  t.same(read.groups.map(g => g.id), ['g2', 'g3', 'g4'])
  t.same(logger.warnings, ['a second pass over the listing returned other resources (the listing changed during the read)'])
  t.equal(read.requests, 1 + 4 + 4)
  t.match(last, { phase: 'done', pagesDone: 9, pagesTotal: 9, groupsRead: 3 })
})

t.test('a 401 invalidates the token, refreshes once and retries once', async t => {
  const agent = mockAgent(t)
  token(agent, 'expired')
  token(agent, 'fresh')
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=1&count=100', method: 'GET', headers: { authorization: 'Bearer expired' } })
    .reply(401, { success: false, reasons: [{ message: 'Unauthorized', code: '90000011' }] }, { headers: JSON_HEADERS })
  page(agent, 'Users', 1, 100, [scimUser('u1')], 1)
  page(agent, 'Groups', 1, 10, [], 0)
  const read = await connect(t, agent).readDirectory()
  t.same(read.users.map(u => u.id), ['u1'])
})

t.test('a second 401 is an auth error with the hint', async t => {
  const agent = mockAgent(t)
  token(agent, 'a')
  token(agent, 'b')
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=1&count=100', method: 'GET' })
    .reply(401, { success: false, reasons: [{ message: 'Unauthorized', code: '90000011' }] }, { headers: JSON_HEADERS }).times(2)
  agent.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=10', method: 'GET' })
    .reply(200, listResponse([], 0), { headers: JSON_HEADERS }).persist()
  const err = await connect(t, agent).readDirectory().catch((e: unknown) => e) as ZuoraError
  t.ok(err instanceof ZuoraError)
  t.equal(err.kind, 'auth')
  t.equal(err.httpStatus, 502)
  t.equal(err.upstreamStatus, 401)
  t.equal(err.code, '90000011')
  t.match(err.message, /HTTP 401 \(90000011\): Unauthorized even with a freshly issued token/)
  t.match(err.message, AUTH_HINT)
  t.notMatch(err.message, /Bearer|\ba\b.*\bb\b/)
})

t.test('token failure surfaces before any SCIM request', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/oauth/token', method: 'POST' }).reply(401, { error: 'invalid_client' }, { headers: JSON_HEADERS })
  await t.rejects(connect(t, agent).readDirectory(), { name: 'ZuoraError', kind: 'auth', endpoint: 'token', message: /data center/ })
  t.equal(agent.getCallHistory()?.calls().length, 1)
})

t.test('retryable page failures are retried through the queue and reported', async t => {
  const agent = mockAgent(t)
  token(agent)
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=1&count=100', method: 'GET' }).reply(503, 'busy')
  page(agent, 'Users', 1, 100, [scimUser('u1')], 1)
  agent.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=10', method: 'GET' }).reply(429, '', { headers: { 'retry-after': '0' } })
  page(agent, 'Groups', 1, 10, [scimGroup('g1')], 1)
  let last: ReadProgress | undefined
  const read = await connect(t, agent).readDirectory({ onProgress: p => { last = p } })
  t.equal(read.requests, 4, 'retries count as requests')
  t.equal(last?.retries, 2)
  t.equal(last?.rateLimitWaits, 1)
})

t.test('a listing that changes between pages is re-read from the start', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 5)
  // count 3, step 2: startIndex 1 and 3. Round 1: totalResults moves 5 → 6 on page 2
  page(agent, 'Users', 1, 3, users.slice(0, 3).map(id => scimUser(id)), 5)
  page(agent, 'Users', 3, 3, users.slice(2, 5).map(id => scimUser(id)), 6)
  // round 2: stable
  page(agent, 'Users', 1, 3, users.slice(0, 3).map(id => scimUser(id)), 5)
  page(agent, 'Users', 3, 3, users.slice(2, 5).map(id => scimUser(id)), 5)
  page(agent, 'Groups', 1, 10, [], 0)
  let last: ReadProgress | undefined
  const read = await connect(t, agent, { usersPageSize: 3 }).readDirectory({ onProgress: p => { last = p } })
  t.same(read.users.map(u => u.id), users)
  t.equal(read.requests, 5)
  t.match(last, { phase: 'done', pagesDone: 5, pagesTotal: 5, usersRead: 5 })
})

t.test('a listing that stays unstable fails clearly after MAX_REREADS re-reads — never a partial read', async t => {
  const users = ids('u', 5)
  const cases = [
    // every round: totalResults says 5, page 2 (startIndex 3) has only 2 of the 3 resources it must hold
    { page2: () => users.slice(2, 4), why: /\(3 full reads\): page 2 returned 2 resources, expected 3/ },
    // every round: page 2 starts one resource late (a user before the boundary vanished and one was added after it,
    // totalResults unchanged)
    { page2: (round: number) => [users[3], users[4], `x${round}`], why: /\(3 full reads\): page 2 does not start where page 1 ended \(the listing shifted during the read\)/ }
  ]
  for (const { page2, why } of cases) {
    const agent = mockAgent(t)
    token(agent)
    for (let round = 0; round <= MAX_REREADS; round++) {
      page(agent, 'Users', 1, 3, users.slice(0, 3).map(id => scimUser(id)), 5)
      page(agent, 'Users', 3, 3, page2(round).map(id => scimUser(id)), 5)
    }
    page(agent, 'Groups', 1, 10, [], 0)
    const err = await connect(t, agent, { usersPageSize: 3 }).readDirectory().catch((e: unknown) => e) as ZuoraError
    t.ok(err instanceof ZuoraError)
    t.match(err, { kind: 'upstream', endpoint: 'users', httpStatus: 502 })
    t.match(err.message, /Users listing kept changing while it was read/)
    t.match(err.message, why)
    t.match(err.message, /No partial directory/)
    t.equal(paths(agent, 'Users').length, 2 * (MAX_REREADS + 1))
  }
})

t.test('a malformed user fails the read with its id and field path', async t => {
  const agent = mockAgent(t)
  token(agent)
  page(agent, 'Users', 1, 100, [scimUser('good'), scimUser('bad-1', { roles: 'ADMIN' })], 2)
  agent.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=10', method: 'GET' })
    .reply(200, listResponse([], 0), { headers: JSON_HEADERS }).persist()
  await t.rejects(connect(t, agent).readDirectory(), {
    name: 'ZuoraError',
    kind: 'payload',
    requestId: 'req-1',
    message: /Malformed SCIM User "bad-1" in SCIM Users page 1 \(startIndex 1, count 100\): \/roles/
  })
})

t.test('non-JSON and error pages', async t => {
  const agent = mockAgent(t)
  token(agent)
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=1&count=100', method: 'GET' }).reply(200, '<html>hi</html>', { headers: { 'content-type': 'text/html' } })
  agent.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=10', method: 'GET' })
    .reply(400, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidValue', detail: 'nope' }, { headers: JSON_HEADERS }).persist()
  const err = await connect(t, agent).readDirectory().catch((e: unknown) => e) as ZuoraError
  t.ok(err.kind === 'payload' || err.kind === 'upstream', err.message)
  const agent2 = mockAgent(t)
  token(agent2)
  page(agent2, 'Users', 1, 100, [], 0)
  agent2.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=10', method: 'GET' })
    .reply(403, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '403', detail: 'forbidden' }, { headers: JSON_HEADERS })
  await t.rejects(connect(t, agent2).readDirectory(), { name: 'ZuoraError', kind: 'auth', upstreamStatus: 403, message: /SCIM Groups page 1 \(startIndex 1, count 10\) failed: HTTP 403: forbidden/ })
})

t.test('abort stops the read', async t => {
  const agent = mockAgent(t)
  token(agent)
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=1&count=100', method: 'GET' }).reply(200, listResponse([], 0)).delay(300)
  agent.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=10', method: 'GET' }).reply(200, listResponse([], 0)).delay(300)
  const ac = new AbortController()
  const p = connect(t, agent).readDirectory({ signal: ac.signal })
  setTimeout(() => ac.abort(), 20)
  await t.rejects(p, { name: 'ZuoraError', kind: 'aborted' })
  await t.rejects(connect(t, mockAgent(t)).readDirectory({ signal: AbortSignal.abort() }), { name: 'ZuoraError', kind: 'aborted' })
})

t.test('RFC `Resources` key and pages without startIndex/itemsPerPage', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 5)
  const bare = (items: unknown[], total: number) => ({ schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: total, Resources: items })
  // users: count 2, step 1 → 1 + ceil(3/1) = 4 pages at startIndex 1, 2, 3, 4
  for (let k = 0; k < 4; k++) {
    agent.get(BASE).intercept({ path: `/scim/v2/Users?startIndex=${k + 1}&count=2`, method: 'GET' })
      .reply(200, bare(users.slice(k, k + 2).map(id => scimUser(id)), 5), { headers: JSON_HEADERS })
  }
  // groups: 2 pages, read twice
  for (let pass = 0; pass < 2; pass++) {
    agent.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=2', method: 'GET' }).reply(200, bare([scimGroup('g1'), scimGroup('g2')], 3), { headers: JSON_HEADERS })
    agent.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=2&count=2', method: 'GET' }).reply(200, bare([scimGroup('g3')], 3), { headers: JSON_HEADERS })
  }
  const read = await connect(t, agent, { usersPageSize: 2, groupsPageSize: 2 }).readDirectory()
  t.same(read.users.map(u => u.id), users)
  t.same(read.groups.map(g => g.id), ['g1', 'g2', 'g3'], 'groups: startIndex is the page number (1, 2)')
  t.equal(read.requests, 4 + 2 * 2)
})

t.test('page semantics for users and item semantics for groups when configured', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 3)
  // users (page): 2 pages, read twice
  for (let pass = 0; pass < 2; pass++) {
    page(agent, 'Users', 1, 2, users.slice(0, 2).map(id => scimUser(id)), 3)
    page(agent, 'Users', 2, 2, [scimUser(users[2])], 3)
  }
  // groups (item, count 2, step 1): startIndex 1 and 2, overlapping on g2
  page(agent, 'Groups', 1, 2, [scimGroup('g1'), scimGroup('g2')], 3)
  page(agent, 'Groups', 2, 2, [scimGroup('g2'), scimGroup('g3')], 3)
  const read = await connect(t, agent, { usersPageSize: 2, groupsPageSize: 2, usersStartIndex: 'page', groupsStartIndex: 'item' }).readDirectory()
  t.same(read.users.map(u => u.id), users)
  t.same(read.groups.map(g => g.id), ['g1', 'g2', 'g3'])
  t.equal(read.requests, 2 * 2 + 2)
})

t.test('hostile listings: an absurd totalResults, an envelope that is not an object, a gateway HTML page', async t => {
  const agent = mockAgent(t)
  token(agent)
  page(agent, 'Users', 1, 100, [scimUser('u1')], 50_000_000)
  page(agent, 'Groups', 1, 10, [], 0)
  await t.rejects(connect(t, agent).readDirectory(), { name: 'ZuoraError', kind: 'payload', message: /claims 50000000 resources/ })
  t.equal(agent.getCallHistory()?.calls().length, 3, 'no page planned from the lie')

  const agent2 = mockAgent(t)
  token(agent2)
  agent2.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=1&count=100', method: 'GET' }).reply(200, '[1,2,3]', { headers: JSON_HEADERS })
  page(agent2, 'Groups', 1, 10, [], 0)
  await t.rejects(connect(t, agent2).readDirectory(), { name: 'ZuoraError', kind: 'payload', message: /ListResponse in SCIM Users page 1.*not a JSON object/ })

  const agent3 = mockAgent(t)
  token(agent3)
  const html = '<html><head><style>body{}</style></head><body><h1>502 Bad Gateway</h1><script>alert(1)</script></body></html>'
  page(agent3, 'Users', 1, 100, [], 0)
  agent3.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=10', method: 'GET' }).reply(502, html, { headers: { 'content-type': 'text/html', 'zuora-request-id': 'gw-9' } }).times(3)
  const err = await connect(t, agent3).readDirectory().catch((e: unknown) => e) as ZuoraError
  t.match(err, { name: 'ZuoraError', kind: 'unavailable', upstreamStatus: 502, requestId: 'gw-9' })
  t.equal(err.message, 'SCIM Groups page 1 (startIndex 1, count 10) failed: HTTP 502: 502 Bad Gateway (after 3 attempts) [Zuora-Request-Id gw-9]')
})

t.test('the access token never appears in an error, even when Zuora echoes it', async t => {
  const agent = mockAgent(t)
  const tok = 'c652cbc0ea384b9f81856a93a2a74538'
  token(agent, tok)
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=1&count=100', method: 'GET' })
    .reply(400, { success: false, reasons: [{ code: 53100020, message: `bad request for token ${tok}` }], processId: 'p-1' }, { headers: JSON_HEADERS })
  page(agent, 'Groups', 1, 10, [], 0)
  const e1 = await connect(t, agent).readDirectory().catch((e: unknown) => e) as ZuoraError
  t.match(e1, { kind: 'upstream', upstreamStatus: 400, code: '53100020', processId: 'p-1' })
  t.match(e1.message, /bad request for token \[REDACTED\]/)
  const agent2 = mockAgent(t)
  token(agent2, tok)
  page(agent2, 'Users', 1, 100, [], 0)
  agent2.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=10', method: 'GET' }).reply(503, `upstream said: ${tok}`).times(3)
  const e2 = await connect(t, agent2).readDirectory().catch((e: unknown) => e) as ZuoraError
  t.match(e2.message, /upstream said: \[REDACTED\]/)
  for (const e of [e1, e2]) {
    t.notMatch(e.message, tok)
    t.notMatch(JSON.stringify(e), tok)
  }
})

t.test('a token endpoint outage is not multiplied by the SCIM retries', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/oauth/token', method: 'POST' }).reply(503, 'down').times(3)
  const err = await connect(t, agent).readDirectory().catch((e: unknown) => e) as ZuoraError
  t.match(err, { name: 'ZuoraError', kind: 'unavailable', endpoint: 'token', upstreamStatus: 503 })
  t.equal(agent.getCallHistory()?.calls().length, 3, 'one token budget (3 attempts), not 3 × 3')
})

t.test('group pages queue ahead of user pages: the groups\' second pass runs alongside the users\' pages, same request count', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 9)
  // users: item semantics, count 2, step 1 → 8 pages; groups: page semantics, count 2 → 2 pages, read twice
  for (let k = 0; k < 8; k++) {
    agent.get(BASE).intercept({ path: `/scim/v2/Users?startIndex=${k + 1}&count=2`, method: 'GET' })
      .reply(200, listResponse(users.slice(k, k + 2).map(id => scimUser(id)), 9), { headers: JSON_HEADERS }).delay(5)
  }
  for (let pass = 0; pass < 2; pass++) {
    page(agent, 'Groups', 1, 2, [scimGroup('g1'), scimGroup('g2')], 3)
    page(agent, 'Groups', 2, 2, [scimGroup('g3')], 3)
  }
  const read = await connect(t, agent, { maxConcurrency: 1, usersPageSize: 2, groupsPageSize: 2 }).readDirectory()
  t.equal(read.requests, 8 + 2 * 2)
  const order = (agent.getCallHistory()?.calls() ?? []).map(c => c.path.split('?')[0].split('/').pop())
  t.same(order.slice(-3), ['Users', 'Users', 'Users'], `the read ends on user pages, not on the groups' verify pass (${order.join(' ')})`)
})
