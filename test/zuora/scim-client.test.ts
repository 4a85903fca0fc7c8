import t from 'tap'
import type { MockAgent } from 'undici'
import type { Config } from '../../src/config.ts'
import { createZuoraConnection } from '../../src/zuora/connection.ts'
import { AUTH_HINT, ZuoraError } from '../../src/zuora/errors.ts'
import { startIndexFor } from '../../src/zuora/scim-client.ts'
import type { ReadProgress } from '../../src/zuora/types.ts'
import { BASE, JSON_HEADERS, listResponse, mockAgent, scimGroup, scimUser, tokenBody, type Tap } from './helpers.ts'

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(5, '0')}`)
const backoff = { baseMs: 1, capMs: 2, random: () => 0 }

function connect (t: Tap, agent: MockAgent, overrides: Partial<Config['zuora']> = {}) {
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
    ...overrides
  }, { dispatcher: agent }, { backoff })
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

t.test('startIndex semantics', async t => {
  t.same([0, 1, 2].map(k => startIndexFor('item', k, 100)), [1, 101, 201])
  t.same([0, 1, 2].map(k => startIndexFor('page', k, 10)), [1, 2, 3])
})

t.test('readDirectory: item semantics for users, page semantics for groups, the minimum number of requests', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 250)
  const groups = ids('g', 25)
  for (let k = 0; k < 3; k++) page(agent, 'Users', 1 + k * 100, 100, users.slice(k * 100, k * 100 + 100).map(id => scimUser(id, { groups: [{ value: 'g00000' }] })), 250)
  for (let k = 0; k < 3; k++) page(agent, 'Groups', k + 1, 10, groups.slice(k * 10, k * 10 + 10).map(id => scimGroup(id, [users[0]])), 25)
  const conn = connect(t, agent)
  const progress: ReadProgress[] = []
  const read = await conn.readDirectory({ onProgress: p => { progress.push(p) } })
  t.equal(read.users.length, 250)
  t.equal(read.groups.length, 25)
  t.same(read.users.map(u => u.id), users, 'sorted by id')
  t.same(read.groups.map(g => g.id), groups)
  t.equal(read.requests, 6, 'ceil(250/100) + ceil(25/10)')
  t.equal(read.duplicatesDropped, 0)
  t.same(read.users[0].groups, ['g00000'])
  t.same(read.groups[0].members, [users[0]])
  const calls = agent.getCallHistory()?.calls() ?? []
  t.equal(calls.length, 7, '1 token + 6 pages')
  for (const c of calls.slice(1)) t.equal((c.headers as Record<string, string>).authorization, 'Bearer tok-1')
  t.same(progress.map(p => p.phase).filter((p, i, a) => a[i - 1] !== p), ['token', 'first-pages', 'pages', 'done'])
  const last = progress[progress.length - 1]
  t.match(last, { phase: 'done', pagesDone: 6, pagesTotal: 6, usersRead: 250, groupsRead: 25, retries: 0 })
  t.ok(progress.filter(p => p.phase === 'pages').every(p => p.pagesTotal === 6), 'pagesTotal known after the first pages')
})

t.test('an empty directory: one request per resource', async t => {
  const agent = mockAgent(t)
  token(agent)
  page(agent, 'Users', 1, 100, [], 0)
  agent.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=10', method: 'GET' })
    .reply(200, { totalResults: 0, Resources: null }, { headers: JSON_HEADERS })
  const read = await connect(t, agent).readDirectory()
  t.same(read, { users: [], groups: [], requests: 2, duplicatesDropped: 0 })
})

t.test('a server that clamps count: the plan follows the page size it actually serves', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 120)
  page(agent, 'Users', 1, 100, users.slice(0, 50).map(id => scimUser(id)), 120)
  page(agent, 'Users', 51, 50, users.slice(50, 100).map(id => scimUser(id)), 120)
  page(agent, 'Users', 101, 50, users.slice(100).map(id => scimUser(id)), 120)
  page(agent, 'Groups', 1, 10, [], 0)
  const read = await connect(t, agent).readDirectory()
  t.equal(read.users.length, 120)
  t.equal(read.requests, 4)
})

t.test('duplicates across pages are dropped and counted', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 4)
  page(agent, 'Users', 1, 2, [scimUser(users[0]), scimUser(users[1])], 4)
  page(agent, 'Users', 3, 2, [scimUser(users[1]), scimUser(users[2])], 4)
  page(agent, 'Groups', 1, 10, [], 0)
  const read = await connect(t, agent, { usersPageSize: 2 }).readDirectory()
  t.same(read.users.map(u => u.id), users.slice(0, 3))
  t.equal(read.duplicatesDropped, 1)
})

t.test('a 401 invalidates the token, refreshes once and retries once', async t => {
  const agent = mockAgent(t)
  token(agent, 'expired')
  token(agent, 'fresh')
  agent.get(BASE).intercept({ path: '/scim/v2/Users/u1', method: 'GET', headers: { authorization: 'Bearer expired' } })
    .reply(401, { success: false, reasons: [{ message: 'Unauthorized', code: '90000011' }] }, { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: '/scim/v2/Users/u1', method: 'GET', headers: { authorization: 'Bearer fresh' } })
    .reply(200, scimUser('u1'), { headers: JSON_HEADERS })
  const conn = connect(t, agent)
  const user = await conn.getUser('u1')
  t.equal(user?.id, 'u1')
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
  const users = ids('u', 4)
  // round 1: totalResults moves 4 → 5 on page 2
  page(agent, 'Users', 1, 2, users.slice(0, 2).map(id => scimUser(id)), 4)
  page(agent, 'Users', 3, 2, users.slice(2, 4).map(id => scimUser(id)), 5)
  // round 2: stable
  page(agent, 'Users', 1, 2, users.slice(0, 2).map(id => scimUser(id)), 4)
  page(agent, 'Users', 3, 2, users.slice(2, 4).map(id => scimUser(id)), 4)
  page(agent, 'Groups', 1, 10, [], 0)
  let last: ReadProgress | undefined
  const read = await connect(t, agent, { usersPageSize: 2 }).readDirectory({ onProgress: p => { last = p } })
  t.same(read.users.map(u => u.id), users)
  t.equal(read.requests, 5)
  t.match(last, { phase: 'done', pagesDone: 5, pagesTotal: 5, usersRead: 4 })
})

t.test('a listing that stays unstable fails clearly — never a partial read', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 4)
  // every round: page 2 under-delivers (totalResults lies)
  for (let round = 0; round < 3; round++) {
    page(agent, 'Users', 1, 2, users.slice(0, 2).map(id => scimUser(id)), 5)
    page(agent, 'Users', 3, 2, users.slice(2, 4).map(id => scimUser(id)), 5)
    page(agent, 'Users', 5, 2, [], 5)
  }
  page(agent, 'Groups', 1, 10, [], 0)
  const err = await connect(t, agent, { usersPageSize: 2 }).readDirectory().catch((e: unknown) => e) as ZuoraError
  t.equal(err.kind, 'upstream')
  t.equal(err.httpStatus, 502)
  t.match(err.message, /Users listing kept changing while it was read \(3 full reads\): page 3 returned 0 resources, expected 1/)
  t.match(err.message, /No partial directory/)
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
  agent2.get(BASE).intercept({ path: '/scim/v2/Groups/g1', method: 'GET' })
    .reply(403, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '403', detail: 'forbidden' }, { headers: JSON_HEADERS })
  await t.rejects(connect(t, agent2).getGroup('g1'), { name: 'ZuoraError', kind: 'auth', upstreamStatus: 403, message: /SCIM Group "g1" failed: HTTP 403: forbidden/ })
})

t.test('getUser / getGroup: 404 → undefined; id mismatch → payload; ids are path-encoded', async t => {
  const agent = mockAgent(t)
  token(agent)
  agent.get(BASE).intercept({ path: '/scim/v2/Users/missing', method: 'GET' })
    .reply(404, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404', detail: 'not found' }, { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: '/scim/v2/Groups/g%2F1', method: 'GET' }).reply(200, scimGroup('g/1', ['u2', 'u1']), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: '/scim/v2/Users/u1', method: 'GET' }).reply(200, scimUser('u2'), { headers: JSON_HEADERS })
  const conn = connect(t, agent)
  t.equal(await conn.getUser('missing'), undefined)
  t.same((await conn.getGroup('g/1'))?.members, ['u1', 'u2'])
  await t.rejects(conn.getUser('u1'), { name: 'ZuoraError', kind: 'payload', message: /different resource/ })
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
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=1&count=2', method: 'GET' }).reply(200, bare(users.slice(0, 2).map(id => scimUser(id)), 5), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=3&count=2', method: 'GET' }).reply(200, bare(users.slice(2, 4).map(id => scimUser(id)), 5), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=5&count=2', method: 'GET' }).reply(200, bare([scimUser(users[4])], 5), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=1&count=2', method: 'GET' }).reply(200, bare([scimGroup('g1'), scimGroup('g2')], 3), { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: '/scim/v2/Groups?startIndex=2&count=2', method: 'GET' }).reply(200, bare([scimGroup('g3')], 3), { headers: JSON_HEADERS })
  const read = await connect(t, agent, { usersPageSize: 2, groupsPageSize: 2 }).readDirectory()
  t.same(read.users.map(u => u.id), users)
  t.same(read.groups.map(g => g.id), ['g1', 'g2', 'g3'], 'groups: startIndex is the page number (1, 2)')
  t.equal(read.requests, 5)
})

t.test('page semantics for users and item semantics for groups when configured', async t => {
  const agent = mockAgent(t)
  token(agent)
  const users = ids('u', 3)
  page(agent, 'Users', 1, 2, users.slice(0, 2).map(id => scimUser(id)), 3)
  page(agent, 'Users', 2, 2, [scimUser(users[2])], 3)
  page(agent, 'Groups', 1, 2, [scimGroup('g1'), scimGroup('g2')], 3)
  page(agent, 'Groups', 3, 2, [scimGroup('g3')], 3)
  const read = await connect(t, agent, { usersPageSize: 2, groupsPageSize: 2, usersStartIndex: 'page', groupsStartIndex: 'item' }).readDirectory()
  t.equal(read.users.length, 3)
  t.equal(read.groups.length, 3)
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
  agent3.get(BASE).intercept({ path: '/scim/v2/Groups/g1', method: 'GET' }).reply(502, html, { headers: { 'content-type': 'text/html', 'zuora-request-id': 'gw-9' } }).times(3)
  const err = await connect(t, agent3).getGroup('g1').catch((e: unknown) => e) as ZuoraError
  t.match(err, { name: 'ZuoraError', kind: 'unavailable', upstreamStatus: 502, requestId: 'gw-9' })
  t.equal(err.message, 'SCIM Group "g1" failed: HTTP 502: 502 Bad Gateway (after 3 attempts) [Zuora-Request-Id gw-9]')
})

t.test('the access token never appears in an error, even when Zuora echoes it', async t => {
  const agent = mockAgent(t)
  const tok = 'c652cbc0ea384b9f81856a93a2a74538'
  token(agent, tok)
  agent.get(BASE).intercept({ path: '/scim/v2/Users/u1', method: 'GET' })
    .reply(400, { success: false, reasons: [{ code: 53100020, message: `bad request for token ${tok}` }], processId: 'p-1' }, { headers: JSON_HEADERS })
  agent.get(BASE).intercept({ path: '/scim/v2/Users/u2', method: 'GET' }).reply(503, `upstream said: ${tok}`).times(3)
  const conn = connect(t, agent)
  const e1 = await conn.getUser('u1').catch((e: unknown) => e) as ZuoraError
  t.match(e1, { kind: 'upstream', upstreamStatus: 400, code: '53100020', processId: 'p-1' })
  t.match(e1.message, /bad request for token \[REDACTED\]/)
  const e2 = await conn.getUser('u2').catch((e: unknown) => e) as ZuoraError
  t.match(e2.message, /upstream said: \[REDACTED\]/)
  for (const e of [e1, e2]) {
    t.notMatch(e.message, tok)
    t.notMatch(JSON.stringify(e), tok)
  }
})

t.test('a token endpoint outage is not multiplied by the SCIM retries', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: '/oauth/token', method: 'POST' }).reply(503, 'down').times(3)
  const err = await connect(t, agent).getUser('u1').catch((e: unknown) => e) as ZuoraError
  t.match(err, { name: 'ZuoraError', kind: 'unavailable', endpoint: 'token', upstreamStatus: 503 })
  t.equal(agent.getCallHistory()?.calls().length, 3, 'one token budget (3 attempts), not 3 × 3')
})
