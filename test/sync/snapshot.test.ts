import t from 'tap'
import { Snapshot } from '#src/sync/snapshot.ts'
import type { DirectoryUser } from '#src/directory/types.ts'
import type { Entitlement, Grant } from '#src/c1/model.ts'
import { snapshotOf, testDirectory, testSnapshot } from '../fixtures.ts'

t.test('sections, lookups and stats agree with the directory', async t => {
  const s = testSnapshot({ users: 40, groups: 4 })
  const d = s.directory
  t.equal(s.users.length, d.users.length)
  t.equal(s.section('resources').length, d.users.length + d.roles.length + d.groups.length)
  t.equal(s.section('resourceTypes').length, 3)
  t.equal(s.section('entitlements').length, d.roles.length + d.groups.length)
  const roleGrants = d.users.reduce((n, u) => n + u.roles.length, 0)
  t.equal(s.stats.grantsByType.role, roleGrants)
  t.equal(s.section('grants').length, s.stats.grants)
  t.same(s.integrity, { danglingGrantEntitlements: 0, danglingGrantPrincipals: 0 })
  t.ok(d.roles.includes('ADMIN') && d.roles.includes('USER'))

  const first = d.users[0] as DirectoryUser
  t.equal(s.resource('user', first.id)?.id.resource, first.id)
  t.equal(s.resource('user', 'nope'), undefined)
  const admin = s.grantsOf('role', 'ADMIN')
  t.ok(admin !== undefined && admin.length > 0)
  const ids = admin?.slice().map(g => g.principal.id.resource) ?? []
  t.same(ids, [...ids].sort(), 'grants in user-id order')
  t.equal(admin?.at(0).id, `role:ADMIN:assigned:user:${ids[0]}`)
  t.same(s.entitlementsOf('role', 'ADMIN')?.map(e => e.id), ['role:ADMIN:assigned'])
  t.equal(s.entitlementsOf('role', 'NOPE'), undefined)
  t.equal(s.grantsOf('group', 'NOPE'), undefined)
  const g = d.groups[0]
  if (g !== undefined) t.same(s.entitlementsOf('group', g.id)?.map(e => e.id), [`group:${g.id}:member`])
})

t.test('every grant points at an entitlement and a resource of the snapshot', async t => {
  const s = testSnapshot({ users: 30, groups: 3 })
  const entitlements = new Set((s.section('entitlements').slice() as Entitlement[]).map(e => e.id))
  const resources = new Set(s.section('resources').slice().map(r => JSON.stringify((r as { id: unknown }).id)))
  for (const g of s.section('grants').slice() as Grant[]) {
    t.ok(entitlements.has(g.entitlement.id), g.id)
    t.ok(resources.has(JSON.stringify(g.principal.id)), g.id)
  }
})

t.test('same directory, same content', async t => {
  const d = testDirectory({ users: 20 })
  const a = snapshotOf(d)
  const b = snapshotOf(d)
  t.not(a.syncId, b.syncId)
  t.equal(JSON.stringify(a.section('resources').slice()), JSON.stringify(b.section('resources').slice()))
  t.equal(JSON.stringify(a.section('grants').slice()), JSON.stringify(b.section('grants').slice()))
})

t.test('refuses what must not be served', async t => {
  const good = testSnapshot({ users: 5 }).toPersisted()
  const variant = (patch: (p: any) => void): unknown => {
    const p = JSON.parse(JSON.stringify(good))
    patch(p)
    return p
  }
  const cases: Array<[string, unknown]> = [
    ['unsafe user id', variant(p => { p.directory.users[0].id = 'a:b' })],
    ['duplicate ids', variant(p => { p.directory.users[1].id = p.directory.users[0].id })],
    ['unsorted ids', variant(p => { p.directory.users.reverse() })],
    ['role outside the catalog (dangling entitlement)', variant(p => { p.directory.users[0].roles = ['GHOST'] })],
    ['member that is no user (dangling principal)', variant(p => { p.directory.groups.push({ id: 'zzzz', displayName: 'z', members: ['nobody'] }) })],
    ['catalog without USER', variant(p => { p.directory.roles = p.directory.roles.filter((r: string) => r !== 'USER') })],
    ['wrong format', variant(p => { p.format = 'other' })],
    ['missing directory', variant(p => { delete p.directory })]
  ]
  for (const [name, p] of cases) {
    t.throws(() => Snapshot.build(p as never), { name: 'SnapshotError' }, name)
  }
})

t.test('nested groups: the parent grants member to the nested group (GrantExpandable), never flattened', async t => {
  const users: DirectoryUser[] = [
    { id: 'u1', userName: 'u1', emails: [], roles: ['USER'], groups: ['g1'] },
    { id: 'u2', userName: 'u2', emails: [], roles: ['USER'], groups: ['g2'], indirectGroups: ['g1'] }
  ]
  const snap = snapshotOf({ users, groups: [{ id: 'g1', displayName: 'P', members: ['u1'], nestedGroups: ['g2'] }, { id: 'g2', displayName: 'C', members: ['u2'] }] })
  const grants = snap.grantsOf('group', 'g1')?.slice() ?? []
  t.same(grants.map(g => g.id), ['group:g1:member:group:g2', 'group:g1:member:user:u1'], 'nested group first (principal type order), then users')
  t.same(grants[0]?.annotations, [{ '@type': 'type.googleapis.com/c1.connector.v2.GrantExpandable', entitlementIds: ['group:g2:member'], resourceTypeIds: ['user'] }])
  t.same((snap.grantsOf('group', 'g2')?.slice() ?? []).map(g => g.id), ['group:g2:member:user:u2'])
  t.equal(snap.stats.grantsByType.group, 3)
  t.same(snap.section('grants').slice().filter(g => (g as { id: string }).id.startsWith('group:')).map(g => (g as { id: string }).id), [
    'group:g1:member:group:g2', 'group:g1:member:user:u1', 'group:g2:member:user:u2'
  ], 'the /sync grants section agrees with the per-group walk')
  t.same(snap.entitlementsOf('group', 'g1')?.[0]?.grantableTo.map(rt => rt.id), ['user', 'group'], 'grantable to groups when it has nested groups')
  t.same(snap.entitlementsOf('group', 'g2')?.[0]?.grantableTo.map(rt => rt.id), ['user'])
  t.same((snap.resource('user', 'u2')?.profile as { indirectGroups?: string[] } | undefined)?.indirectGroups, ['g1'])
  t.match(snap.resource('group', 'g1')?.profile, { memberCount: 1, nestedGroups: ['g2'] })
})
