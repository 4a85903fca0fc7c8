/**
 * Every failure a new user of a standards SCIM server can hit names its real cause, with the evidence and the
 * setting that fixes it: start-index mismatch, detection that fits neither semantics, a server ignoring startIndex
 * or count, a wrong SCIM base path (404 on /Users), a SCIM host of another data center, the client-auth method.
 */
import t from 'tap'
import type { MockAgent } from 'undici'
import type { Config } from '#src/config.ts'
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '#simulator/index.ts'
import { createZuoraConnection, type ZuoraConnection } from '#src/zuora/connection.ts'
import { isZuoraError, type ZuoraError } from '#src/zuora/errors.ts'
import type { ReadProgress } from '#src/zuora/types.ts'
import { BASE, JSON_HEADERS, listResponse, mockAgent, scimGroup, scimUser, simZuoraConfig, tokenBody, zuoraConfig, type Tap } from './helpers.ts'

async function sim (t: Tap, options: SimulatorOptions): Promise<RunningSimulator> {
  const s = await startSimulator(options)
  t.teardown(() => s.close())
  return s
}

function connectSim (t: Tap, s: RunningSimulator, overrides: Partial<Config['zuora']> = {}): ZuoraConnection {
  const conn = createZuoraConnection(simZuoraConfig(s.url, { clientAuth: 'auto', usersStartIndex: 'auto', groupsStartIndex: 'auto', ...overrides }), {}, { backoff: { baseMs: 1, capMs: 2 } })
  t.teardown(() => conn.close())
  return conn
}

async function failure (p: Promise<unknown>): Promise<ZuoraError> {
  const err = await p.then(() => undefined, (e: unknown) => e)
  if (!isZuoraError(err)) throw new Error(`expected a ZuoraError, got ${String(err)}`)
  return err
}

t.test('explicit ZUORA_GROUPS_START_INDEX=page against an item-index server: the message names the setting; progress stays within its totals', async t => {
  const s = await sim(t, { flavor: 'standard', users: 20, groups: 250 })
  const conn = connectSim(t, s, { groupsStartIndex: 'page' })
  const progress: ReadProgress[] = []
  const err = await failure(conn.readDirectory({ onProgress: p => { progress.push(p) } }))
  t.match(err, { kind: 'upstream', endpoint: 'groups' })
  t.match(err.message, /Groups listing kept changing/)
  t.match(err.message, /ZUORA_GROUPS_START_INDEX=page may not match how the server reads startIndex: set ZUORA_GROUPS_START_INDEX=auto/)
  t.ok(progress.every(p => p.groupsRead <= 250 && p.usersRead <= 20), 'resources read never above totalResults')
  t.ok(progress.every(p => p.pagesTotal === null || p.pagesDone <= p.pagesTotal), 'pages done never above the total')
})

t.test('auto detects item-index Groups and page-number Groups alike', async t => {
  for (const groupsStartIndex of ['item', 'page'] as const) {
    const s = await sim(t, { users: 30, groups: 230, groupsStartIndex, groupsMaxCount: 100 })
    const read = await connectSim(t, s).readDirectory()
    t.equal(read.groups.length, 230, `${groupsStartIndex}: every group`)
    await s.close()
  }
})

// --- MockAgent: answers no simulator gives --------------------------------------------------------------

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`)

function mockConnect (t: Tap, agent: MockAgent): ZuoraConnection {
  const conn = createZuoraConnection(zuoraConfig({ usersPageSize: 4, groupsPageSize: 4, usersStartIndex: 'auto', groupsStartIndex: 'page', clientAuth: 'post' }), { dispatcher: agent }, { backoff: { baseMs: 1, capMs: 2 } })
  t.teardown(() => conn.close())
  return conn
}

function serve (agent: MockAgent, path: string, body: unknown): void {
  agent.get(BASE).intercept({ path, method: 'GET' }).reply(200, body as object, { headers: JSON_HEADERS })
}

function commonMocks (agent: MockAgent): void {
  agent.get(BASE).intercept({ path: '/oauth/token', method: 'POST' }).reply(200, tokenBody(), { headers: JSON_HEADERS })
  serve(agent, '/scim/v2/Groups?startIndex=1&count=4', listResponse([scimGroup('g1')], 1))
}

const users = (list: string[]): unknown[] => list.map(id => scimUser(id))

t.test('auto, answers that fit neither semantics: the message names the setting and shows the ids per startIndex', async t => {
  const agent = mockAgent(t)
  commonMocks(agent)
  const all = ids('u', 10)
  // the same answers twice: detection looks once more (the listing may have moved between two answers)
  for (let i = 0; i < 2; i++) {
    serve(agent, '/scim/v2/Users?startIndex=1&count=4', listResponse(users(all.slice(0, 4)), 10))
    serve(agent, '/scim/v2/Users?startIndex=2&count=2', listResponse(users(['zz1', 'zz2']), 10))
  }
  const err = await failure(mockConnect(t, agent).readDirectory())
  t.match(err, { kind: 'upstream', endpoint: 'users' })
  t.match(err.message, /could not tell how the server reads startIndex \(ZUORA_USERS_START_INDEX=auto/)
  t.match(err.message, /startIndex=1&count=4 returned \["u000", "u001", "u002", "u003"\]; startIndex=2&count=2 returned \["zz1", "zz2"\]/)
  t.match(err.message, /set ZUORA_USERS_START_INDEX=item or ZUORA_USERS_START_INDEX=page/)
})

t.test('a listing that moved between the first page and the probe: detection looks once more and succeeds', async t => {
  const agent = mockAgent(t)
  commonMocks(agent)
  const all = ids('u', 6)
  const moved = ['u000', 'new', ...all.slice(1)] // 'new' inserted after the first answer, then removed again
  serve(agent, '/scim/v2/Users?startIndex=1&count=4', listResponse(users(all.slice(0, 4)), 6))
  serve(agent, '/scim/v2/Users?startIndex=2&count=2', listResponse(users(moved.slice(1, 3)), 6))
  serve(agent, '/scim/v2/Users?startIndex=1&count=4', listResponse(users(all.slice(0, 4)), 6))
  serve(agent, '/scim/v2/Users?startIndex=2&count=2', listResponse(users(all.slice(1, 3)), 6))
  serve(agent, '/scim/v2/Users?startIndex=4&count=4', listResponse(users(all.slice(3, 6)), 6))
  const read = await mockConnect(t, agent).readDirectory()
  t.same(read.users.map(u => u.id), all)
})

t.test('auto: the start-index probe goes out with the first page, not a round after it', async t => {
  const agent = mockAgent(t)
  commonMocks(agent)
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=1&count=4', method: 'GET' }).reply(200, 'not json', { headers: JSON_HEADERS })
  serve(agent, '/scim/v2/Users?startIndex=2&count=2', listResponse(users(ids('u', 10).slice(1, 3)), 10))
  const err = await failure(mockConnect(t, agent).readDirectory())
  t.match(err, { kind: 'payload', endpoint: 'users' })
  t.same(agent.pendingInterceptors().map(i => i.path), [], 'the probe was asked for although the first page never became usable')
})

t.test('auto, a listing of one page: its unused probe is answered before the read ends (no progress after done)', async t => {
  const agent = mockAgent(t)
  commonMocks(agent)
  serve(agent, '/scim/v2/Users?startIndex=1&count=4', listResponse(users(ids('u', 3)), 3))
  agent.get(BASE).intercept({ path: '/scim/v2/Users?startIndex=2&count=2', method: 'GET' })
    .reply(200, listResponse(users(ids('u', 3).slice(1, 3)), 3) as object, { headers: JSON_HEADERS }).delay(150)
  const progress: ReadProgress[] = []
  const read = await mockConnect(t, agent).readDirectory({ onProgress: p => { progress.push(p) } })
  t.equal(read.users.length, 3)
  const reported = progress.length
  t.match(progress[reported - 1], { phase: 'done', pagesDone: 3, pagesTotal: 3 }, 'users page and probe, groups page')
  await new Promise(resolve => setTimeout(resolve, 200))
  t.equal(progress.length, reported, 'nothing reported after done')
})

t.test('a server that ignores startIndex is named as such (no setting can fix it)', async t => {
  const agent = mockAgent(t)
  commonMocks(agent)
  const all = ids('u', 10)
  serve(agent, '/scim/v2/Users?startIndex=1&count=4', listResponse(users(all.slice(0, 4)), 10))
  serve(agent, '/scim/v2/Users?startIndex=2&count=2', listResponse(users(all.slice(0, 2)), 10))
  const err = await failure(mockConnect(t, agent).readDirectory())
  t.match(err.message, /The server ignores startIndex/)
  t.match(err.message, /no ZUORA_USERS_START_INDEX value can fix this/)
})

t.test('a server that ignores count is named as such', async t => {
  const agent = mockAgent(t)
  commonMocks(agent)
  serve(agent, '/scim/v2/Users?startIndex=1&count=4', listResponse(users(ids('u', 6)), 10))
  const err = await failure(mockConnect(t, agent).readDirectory())
  t.match(err.message, /Users: the server ignores count: startIndex=1&count=4 returned 6 resources of 10/)

  const agent2 = mockAgent(t)
  commonMocks(agent2)
  serve(agent2, '/scim/v2/Users?startIndex=1&count=4', listResponse(users(ids('u', 4)), 10))
  serve(agent2, '/scim/v2/Users?startIndex=2&count=2', listResponse(users(ids('u', 10).slice(1, 6)), 10))
  const err2 = await failure(mockConnect(t, agent2).readDirectory())
  t.match(err2.message, /The server ignores count \(it returned more than 2 resources for count=2\)/)
})

// --- over loopback ----------------------------------------------------------------------------------------

t.test('a wrong SCIM base path (404 on /Users) names ZUORA_SCIM_BASE_URL', async t => {
  const s = await sim(t, { users: 5, groups: 1 })
  const err = await failure(connectSim(t, s, { scimBaseUrl: `${s.url}/scim` }).readDirectory())
  t.match(err, { kind: 'upstream', upstreamStatus: 404 })
  t.match(err.message, /HTTP 404/)
  t.match(err.message, /no SCIM (Users|Groups) endpoint at .*\/scim\/(Users|Groups): check ZUORA_SCIM_BASE_URL/)
})

t.test('a SCIM host of another data center than the token URL: the hint says so', async t => {
  const tokenSide = await sim(t, { users: 5, groups: 1 })
  const scimSide = await sim(t, { users: 5, groups: 1 })
  const conn = connectSim(t, tokenSide, { scimBaseUrl: `${scimSide.url}/scim/v2` })
  const err = await failure(conn.readDirectory())
  t.match(err, { kind: 'auth', upstreamStatus: 401 })
  t.match(err.message, /even with a freshly issued token/)
  t.match(err.message, /ZUORA_TOKEN_URL and ZUORA_SCIM_BASE_URL probably belong to different data centers/)
})

t.test('client authentication: post forced against a Basic-only endpoint names ZUORA_OAUTH_CLIENT_AUTH=basic; auto succeeds', async t => {
  const s = await sim(t, { flavor: 'standard', users: 5, groups: 1 })
  const err = await failure(connectSim(t, s, { clientAuth: 'post' }).readDirectory())
  t.match(err, { kind: 'auth', endpoint: 'token', upstreamStatus: 401 })
  t.match(err.message, /set ZUORA_OAUTH_CLIENT_AUTH=basic \(or auto\)/)
  t.notMatch(err.message, s.control.clientSecret)
  const read = await connectSim(t, s).readDirectory()
  t.equal(read.users.length, 5)
  const wrong = await failure(connectSim(t, s, { clientSecret: { reveal: () => 'wrong-secret' } as Config['zuora']['clientSecret'] }).readDirectory())
  t.match(wrong.message, /refused the client with both authentication methods/)
  t.match(wrong.message, /check the OAuth client id and secret/)
})
