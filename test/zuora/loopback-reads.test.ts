/**
 * The connection against the simulator over loopback HTTP: the full read equals the simulator's org field by
 * field, a token revoked mid-read, Zuora's list quirks and error shapes.
 * Small orgs, no latency: fast and deterministic.
 */
import t from 'tap'
import type { Config } from '#src/config.ts'
import type { DirectoryGroup, DirectoryUser } from '#src/directory/types.ts'
import { Secret } from '#src/secret.ts'
import { startSimulator, type RunningSimulator, type SimGroup, type SimulatorOptions, type SimUser } from '#simulator/index.ts'
import { createZuoraConnection, type ZuoraConnection } from '#src/zuora/connection.ts'
import type { ZuoraError } from '#src/zuora/errors.ts'
import { simZuoraConfig } from './helpers.ts'
import type { Tap } from './helpers.ts'

async function sim (t: Tap, options: SimulatorOptions): Promise<RunningSimulator> {
  const s = await startSimulator(options)
  t.teardown(() => s.close())
  return s
}

function connect (t: Tap, s: RunningSimulator, overrides: Partial<Config['zuora']> = {}): ZuoraConnection {
  const conn = createZuoraConnection(simZuoraConfig(s.url, overrides), {}, { backoff: { baseMs: 1, capMs: 5 } })
  t.teardown(() => conn.close())
  return conn
}

const sorted = (values: Iterable<string>): string[] => [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

/** What a read must make of a simulator user: written from the simulator's record, not from its JSON. */
function expectedUser (u: SimUser, organizationId: string): DirectoryUser {
  const formatted = `${u.givenName} ${u.familyName}`
  return {
    id: u.id,
    userName: u.userName,
    displayName: u.displayName ?? formatted,
    ...(u.externalId !== undefined ? { externalId: u.externalId } : {}),
    givenName: u.givenName,
    familyName: u.familyName,
    formattedName: formatted,
    emails: [
      { value: u.workEmail, type: 'work', primary: true },
      ...(u.homeEmail !== undefined ? [{ value: u.homeEmail, type: 'home', primary: false }] : [])
    ],
    active: u.active,
    status: u.status,
    ssoEnabled: u.ssoEnabled,
    region: u.region,
    organizationId: u.organizationId ?? organizationId,
    preferredLanguage: u.preferredLanguage,
    locale: u.locale,
    created: new Date(u.created).toISOString(),
    roles: sorted(u.roles),
    groups: sorted(u.groups)
  }
}

function expectedGroup (g: SimGroup, organizationId: string): DirectoryGroup {
  return {
    id: g.id,
    displayName: g.displayName,
    description: g.description,
    organizationId: g.organizationId ?? organizationId,
    active: g.active,
    members: sorted(g.members)
  }
}

t.test('a full read equals the simulator\'s org, every field of every user and group', async t => {
  const s = await sim(t, { users: 250, groups: 12, seed: 21 })
  // a few edge cases on top of the seeded org
  const firstUser = s.control.users()[0]
  const firstGroup = s.control.groups()[0]
  s.control.setRoles(firstUser.id, ['USER', 'ADMIN', 'USER', 'Custom Role'])
  s.control.updateUser(firstUser.id, { displayName: 'Zoë Override', organizationId: 'other-org' })
  s.control.updateGroup(firstGroup.id, { displayName: 'Ünïcode Group' })
  const conn = connect(t, s)
  const read = await conn.readDirectory()
  const org = s.control.organizationId
  t.same(read.users, s.control.users().map(u => expectedUser(u, org)), 'users')
  t.same(read.groups, s.control.groups().map(g => expectedGroup(g, org)), 'groups')
  t.same(read.users.find(u => u.id === firstUser.id)?.roles, ['ADMIN', 'Custom Role', 'USER'])
  t.equal(read.requests, 3 + 1, 'users: 1 + ceil(150/99) overlapping pages; groups: one page (no verify pass)')
  const statuses = new Set(read.users.map(u => u.status))
  t.same(sorted(statuses as Set<string>), ['ACTIVE', 'INACTIVE', 'PENDING_ACTIVATION'], 'all three statuses covered')
})

t.test('a token revoked in the middle of a read: one refresh, every page retried once, the read completes', async t => {
  const s = await sim(t, { users: 600, groups: 12, seed: 22 })
  const conn = connect(t, s, { maxConcurrency: 2 })
  s.control.mutateAfterPages(3, c => { c.revokeTokens() })
  const read = await conn.readDirectory()
  t.same(read.users.map(u => u.id), s.control.users().map(u => u.id))
  t.equal(read.groups.length, 12)
  const c = s.control.counters()
  t.equal(c.tokensIssued, 2, 'exactly one refresh, however many pages saw the 401')
  t.ok(c.unauthorized >= 1, `401s answered: ${c.unauthorized}`)
  t.equal(read.requests, 7 + 1 + c.unauthorized, 'pages (users 1 + ceil(500/99) = 7, groups 1) + the retries after the 401s')
  t.same(c.pagesServed, { users: 7, groups: 1 }, 'no page read twice: the revocation did not make the listing look unstable')
})

t.test('Zuora list quirks over HTTP: RFC `Resources`, no paging fields, gzip, clamped counts', async t => {
  const s = await sim(t, { users: 230, groups: 25, seed: 24, listKey: 'Resources', omitPagingFields: true, gzip: true, usersMaxCount: 50, groupsMaxCount: 10 })
  const conn = connect(t, s)
  const read = await conn.readDirectory()
  t.same(read.users.map(u => u.id), s.control.users().map(u => u.id))
  t.same(read.groups.map(g => g.id), s.control.groups().map(g => g.id))
  // users: count 50, step 49 → 1 + ceil(180/49) = 5 pages; groups: ceil(25/10) = 3 pages, read twice
  t.equal(read.requests, 5 + 2 * 3, 'the plan follows the clamped page size (50 users, 10 groups per page)')
  t.same(s.control.counters().pagesServed, { users: 5, groups: 6 })
})

t.test('error shapes over HTTP: Zuora, SCIM and HTML bodies become typed errors', async t => {
  const s = await sim(t, { users: 10, groups: 2, seed: 25 })
  const conn = connect(t, s, { maxAttempts: 1 })
  for (const [shape, detail] of [['zuora', /HTTP 503 \(90000060\)/], ['scim', /HTTP 503: /], ['html', /HTTP 503: 503/]] as const) {
    s.control.set({ errorShape: shape })
    s.control.failNext(1, '503', 'users.list')
    const err = await conn.readDirectory().catch((e: unknown) => e) as ZuoraError
    t.match(err, { name: 'ZuoraError', kind: 'unavailable', upstreamStatus: 503, retryAfterMs: 1000 }, shape)
    t.match(err.message, detail, shape)
    t.match(err.message, /\[Zuora-Request-Id [^\]]+\]/, 'the Zuora request id is kept for support')
    t.notMatch(err.message, /</, 'no markup')
  }
  s.control.failNext(1, 'malformed', 'users.list')
  await t.rejects(conn.readDirectory(), { name: 'ZuoraError', kind: 'payload', message: /not valid JSON/ })
})

t.test('token endpoint: rate limited, and wrong credentials', async t => {
  const s = await sim(t, { users: 5, groups: 1, seed: 26, tokenRateLimited: true, retryAfterSeconds: 0 })
  const conn = connect(t, s, { maxAttempts: 2 })
  await t.rejects(conn.readDirectory(), { name: 'ZuoraError', kind: 'rate-limited', endpoint: 'token', upstreamStatus: 429 })
  t.equal(s.control.counters().tokenRequests, 2, 'within the budget, and no SCIM request without a token')
  t.equal(s.control.counters().pagesServed.users, 0)

  const s2 = await sim(t, { users: 5, groups: 1, seed: 26 })
  const wrong = createZuoraConnection(simZuoraConfig(s2.url, { clientSecret: new Secret('wrong-secret-value') }))
  t.teardown(() => wrong.close())
  const err = await wrong.readDirectory().catch((e: unknown) => e) as ZuoraError
  t.match(err, { name: 'ZuoraError', kind: 'auth', endpoint: 'token', upstreamStatus: 401, code: 'invalid_client' })
  t.match(err.message, /client id and secret.*data center/)
  t.notMatch(err.message, /wrong-secret-value/)
  t.equal(s2.control.counters().tokenRequests, 1, 'credentials errors are not retried')
})
