import t from 'tap'
import { compareIds, isGroupMember, normaliseEmails, normaliseGroup, normaliseUser, sortedDistinct } from '#src/zuora/normalise.ts'
import type { ScimGroup, ScimUser } from '#src/zuora/scim-schemas.ts'

const full: ScimUser = {
  schemas: ['urn:zuora:scim:schemas:1.0:UserExtension', 'urn:ietf:params:scim:schemas:core:2.0:User'],
  id: 'eb48a32d-2fe6-48d1-8a18-797919f3810a',
  externalId: 'amy+test102',
  meta: { created: '2023-07-13T06:15:25.836Z', resourceType: 'User', location: 'http://localhost:9900/scim/v2/Users/x' },
  userName: 'Amy+555',
  name: { formatted: 'Amy Lawrence', familyName: 'Lawrence', givenName: 'Amy' },
  displayName: 'Amy Lawrence',
  preferredLanguage: 'en',
  locale: 'en-US',
  active: true,
  emails: [
    { value: 'home@example.com', type: 'home', primary: false },
    { value: 'a@example.com', display: 'a@example.com', type: 'work', primary: true },
    { value: 'home@example.com', type: 'home', primary: false },
    { value: 'other@example.com' }
  ],
  groups: [{ value: 'g2', display: '' }, { value: 'g1' }, { value: 'g2' }],
  roles: [{ value: 'USER', display: 'USER' }, { value: 'ADMIN' }, { value: 'USER' }, { value: '' }],
  'urn:zuora:scim:schemas:1.0:UserExtension': { organizationId: 'org-1', status: 'PENDING_ACTIVATION', ssoEnabled: false, region: 'EU' }
}

t.test('normaliseUser: every kept field, sorted distinct roles/groups, primary email first', async t => {
  const u = normaliseUser(full)
  t.same(u, {
    id: 'eb48a32d-2fe6-48d1-8a18-797919f3810a',
    userName: 'Amy+555',
    displayName: 'Amy Lawrence',
    externalId: 'amy+test102',
    givenName: 'Amy',
    familyName: 'Lawrence',
    formattedName: 'Amy Lawrence',
    emails: [
      { value: 'a@example.com', type: 'work', primary: true },
      { value: 'home@example.com', type: 'home', primary: false },
      { value: 'other@example.com', primary: false }
    ],
    active: true,
    status: 'PENDING_ACTIVATION',
    ssoEnabled: false,
    region: 'EU',
    organizationId: 'org-1',
    preferredLanguage: 'en',
    locale: 'en-US',
    created: '2023-07-13T06:15:25.836Z',
    roles: ['ADMIN', 'USER'],
    groups: ['g1', 'g2']
  })
})

t.test('normaliseUser: absent stays absent (never guessed); unknown status kept verbatim', async t => {
  const u = normaliseUser({ id: 'x', userName: 'x', 'urn:zuora:scim:schemas:1.0:UserExtension': { status: 'SUSPENDED_BY_SCIM' } })
  t.same(u, { id: 'x', userName: 'x', emails: [], status: 'SUSPENDED_BY_SCIM', roles: [], groups: [] })
  t.notOk('active' in u)
  t.same(Object.keys(normaliseUser({ id: 'y', userName: 'y', name: {}, meta: {} })), ['id', 'userName', 'emails', 'roles', 'groups'])
})

t.test('deterministic: same input, same JSON; input order does not matter for roles/groups', async t => {
  const a = normaliseUser(full)
  const b = normaliseUser({ ...full, roles: [...(full.roles ?? [])].reverse(), groups: [...(full.groups ?? [])].reverse() })
  t.equal(JSON.stringify(a), JSON.stringify(b))
  t.equal(JSON.stringify(normaliseUser(full)), JSON.stringify(a))
})

t.test('normaliseGroup: members sorted distinct, nested groups kept apart, extension fields', async t => {
  const g: ScimGroup = {
    id: 'g1',
    displayName: 'Finance',
    members: [{ value: 'u3' }, { value: 'u1', display: 'amy' }, { value: 'u3' }, { value: 'g9', type: 'Group' }, { value: 'u2', type: 'User' }],
    'urn:zuora:scim:schemas:1.0:GroupExtension': { description: 'desc', organizationId: 'org-1', active: false }
  }
  t.same(normaliseGroup(g), { id: 'g1', displayName: 'Finance', description: 'desc', organizationId: 'org-1', active: false, members: ['u1', 'u2', 'u3'], nestedGroups: ['g9'] })
  t.same(normaliseGroup({ id: 'g2' }), { id: 'g2', displayName: 'g2', members: [] }, 'missing displayName falls back to the id')
})

t.test('RFC 7643 memberships: indirect groups[] kept apart; a $ref to /Groups/ is a nested group, never a user', async t => {
  const base = { id: 'u1', userName: 'amy' }
  const u = normaliseUser({ ...base, groups: [{ value: 'g2', type: 'indirect' }, { value: 'g1', type: 'direct' }, { value: 'g3' }, { value: 'g4', type: 'Indirect' }] })
  t.same(u.groups, ['g1', 'g3'], 'direct and untyped entries are direct memberships')
  t.same(u.indirectGroups, ['g2', 'g4'])
  t.notOk('indirectGroups' in normaliseUser({ ...base, groups: [{ value: 'g1' }] }), 'absent when there are none (Zuora snapshots unchanged)')
  const g = normaliseGroup({
    id: 'p',
    members: [
      { value: 'u1', $ref: 'https://scim.example.com/v2/Users/u1' },
      { value: 'c1', $ref: 'https://scim.example.com/v2/Groups/c1' },
      { value: 'c2', type: 'Group' },
      { value: 'u2', type: 'User', $ref: 'https://scim.example.com/v2/Users/u2' },
      { value: 'u3' }
    ]
  })
  t.same(g.members, ['u1', 'u2', 'u3'])
  t.same(g.nestedGroups, ['c1', 'c2'])
  t.ok(isGroupMember({ $ref: '../Groups/x' }))
  t.notOk(isGroupMember({ type: 'User', $ref: '/Groups/x' }), 'an explicit type wins')
})

t.test('helpers', async t => {
  t.same(sortedDistinct(['b', 'a', 'B', 'a', '', null, undefined, 'é', 'e']), ['B', 'a', 'b', 'e', 'é'], 'code-unit order, not locale')
  t.equal(compareIds('a', 'a'), 0)
  t.same(normaliseEmails(undefined), [])
  t.same(normaliseEmails([{ value: 'x', primary: true }, { value: 'y', primary: true }]).map(e => e.value), ['x', 'y'])
})
