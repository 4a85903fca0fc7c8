import t from 'tap'
import { DEFAULT_ROLES_POOL, generateOrg } from '#simulator/index.ts'

t.test('same seed → identical org; other seed → different', async t => {
  const a = generateOrg({ users: 300, groups: 15, seed: 42 })
  const b = generateOrg({ users: 300, groups: 15, seed: 42 })
  const c = generateOrg({ users: 300, groups: 15, seed: 43 })
  t.same(a, b)
  t.not(a.users[0].id, c.users[0].id)
  t.same(generateOrg({ users: 5, seed: 'text-seed' }), generateOrg({ users: 5, seed: 'text-seed' }))
})

t.test('realistic, consistent data', async t => {
  const org = generateOrg({ users: 2000, groups: 40, seed: 7 })
  t.equal(org.users.length, 2000)
  t.equal(org.groups.length, 40)
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
  t.ok(uuid.test(org.organizationId))
  t.ok(org.users.every(u => uuid.test(u.id)), 'uuid user ids')
  t.ok(org.groups.every(g => uuid.test(g.id)), 'uuid group ids')
  const ids = org.users.map(u => u.id)
  t.same(ids, [...ids].sort(), 'users sorted by id')
  t.same(org.groups.map(g => g.id), org.groups.map(g => g.id).sort(), 'groups sorted by id')
  t.equal(new Set(org.users.map(u => u.userName.toLowerCase())).size, 2000, 'unique userNames')
  t.ok(org.users.some(u => u.userName.includes('@')), 'email userNames')
  t.ok(org.users.some(u => /^[a-z]+\+\d+$/.test(u.userName)), 'bare logins like aghosh+123')
  t.ok(org.users.some(u => u.homeEmail !== undefined), 'some home emails')

  const status = (s: string) => org.users.filter(u => u.status === s)
  t.ok(status('ACTIVE').length > 1500, 'mostly ACTIVE')
  t.ok(status('INACTIVE').length > 0 && status('INACTIVE').every(u => !u.active))
  t.ok(status('PENDING_ACTIVATION').length > 0 && status('PENDING_ACTIVATION').every(u => !u.active))
  t.ok(status('ACTIVE').every(u => u.active))
  t.same(new Set(org.users.map(u => u.region)), new Set(['US', 'EU']))
  t.ok(org.users.some(u => u.ssoEnabled) && org.users.some(u => !u.ssoEnabled))

  t.ok(org.users.every(u => u.roles.includes('ADMIN') || u.roles.includes('USER')), 'every user has ADMIN or USER')
  const roles = new Set(org.users.flatMap(u => [...u.roles]))
  t.ok(roles.has('ADMIN') && roles.has('USER'))
  t.ok(DEFAULT_ROLES_POOL.some(r => roles.has(r)), 'custom roles present')
  t.ok(org.users.every(u => new Set(u.roles).size === u.roles.length), 'no duplicate roles')

  const inactive = org.groups.filter(g => !g.active)
  t.ok(inactive.every(g => g.members.length === 0), 'inactive groups have no members')
  // user.groups and group.members agree
  const byId = new Map(org.groups.map(g => [g.id, g]))
  let memberships = 0
  for (const u of org.users) {
    t.same(u.groups, [...u.groups].sort())
    for (const gid of u.groups) {
      memberships++
      if (!byId.get(gid)!.members.includes(u.id)) t.fail(`user ${u.id} not in ${gid}.members`)
    }
  }
  t.equal(org.groups.reduce((n, g) => n + g.members.length, 0), memberships)
  t.ok(org.users.some(u => u.groups.length >= 2), 'users in several groups')
  t.ok(org.users.some(u => u.groups.length === 0), 'users in no group')
})

t.test('custom roles pool and empty sizes', async t => {
  const org = generateOrg({ users: 500, groups: 0, seed: 1, rolesPool: ['ZZ_ROLE'] })
  t.ok(org.users.some(u => u.roles.includes('ZZ_ROLE')))
  t.ok(org.users.every(u => u.groups.length === 0))
  const empty = generateOrg({ users: 0, groups: 0 })
  t.equal(empty.users.length, 0)
})

t.test('100k users + 2k groups (size sanity, no timing assertion)', async t => {
  const started = performance.now()
  const org = generateOrg({ users: 100_000, groups: 2000, seed: 99 })
  t.comment(`generated in ${(performance.now() - started).toFixed(0)} ms`)
  t.equal(org.users.length, 100_000)
  t.equal(org.groups.length, 2000)
  t.equal(new Set(org.users.map(u => u.id)).size, 100_000)
})
