import t from 'tap'
import { buildDirectory } from '#src/sync/snapshot-build.ts'
import type { DirectoryGroup, DirectoryUser } from '#src/directory/types.ts'

const user = (id: string, roles: string[], groups: string[] = []): DirectoryUser => ({ id, userName: `${id}@example.com`, emails: [], roles, groups })
const group = (id: string, members: string[]): DirectoryGroup => ({ id, displayName: `G ${id}`, members })

t.test('roles catalog = distinct roles plus ADMIN and USER, sorted', async t => {
  const { directory } = buildDirectory({ users: [user('u2', ['BILLING']), user('u1', ['USER', 'BILLING'])], groups: [] })
  t.same(directory.roles, ['ADMIN', 'BILLING', 'USER'])
  t.same(directory.users.map(u => u.id), ['u1', 'u2'], 'users sorted by id')
})

t.test('membership disagreements and unknown references are counted, not dropped', async t => {
  const { findings } = buildDirectory({
    users: [user('u1', ['USER'], ['g1', 'g2']), user('u2', ['USER'], ['gX'])],
    groups: [group('g1', ['u1', 'u9']), group('g2', [])]
  })
  t.equal(findings.membershipOnlyInGroup, 1, 'g1/u9 only on the group side')
  t.equal(findings.membershipOnlyInUser, 2, 'u1/g2 and u2/gX only on the user side')
  t.same(findings.unknownMembers, [{ groupId: 'g1', userId: 'u9' }])
  t.same(findings.unknownGroups, [{ userId: 'u2', groupId: 'gX' }])
})

t.test('nested groups: a known nested group is no finding; an unknown one (or the group itself) is an unknown member', async t => {
  const { findings } = buildDirectory({
    users: [user('u1', ['USER'], ['g1']), { ...user('u2', ['USER'], ['g2']), indirectGroups: ['g1'] }],
    groups: [{ ...group('g1', ['u1']), nestedGroups: ['g1', 'g2', 'gZ'] }, group('g2', ['u2'])]
  })
  t.equal(findings.membershipOnlyInUser, 0, 'indirect memberships are not disagreements')
  t.equal(findings.membershipOnlyInGroup, 0)
  t.same(findings.unknownMembers, [{ groupId: 'g1', userId: 'g1' }, { groupId: 'g1', userId: 'gZ' }])
})
