import t from 'tap'
import { unsafeIdReason } from '#src/c1/ids.ts'
import {
  RESOURCE_TYPES, clipBytes, groupEntitlement, groupGrant, groupResource, isValidEmail, nestedGroupGrant, roleEntitlement,
  roleGrant, roleResource, timestamp, traitEmails, userDisplayName, userResource, userStatus, wellFormed
} from '#src/c1/mapping.ts'
import { ANNOTATION_PREFIX } from '#src/c1/model.ts'
import type { DirectoryGroup, DirectoryUser } from '#src/directory/types.ts'

const UID = 'eb48a32d-2fe6-48d1-8a18-797919f3810a'

function user (extra: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    id: UID,
    userName: 'amy@example.com',
    displayName: 'Amy Lawrence',
    givenName: 'Amy',
    familyName: 'Lawrence',
    formattedName: 'Amy Lawrence',
    emails: [{ value: 'amy@example.com', type: 'work', primary: true }],
    active: true,
    status: 'ACTIVE',
    ssoEnabled: false,
    region: 'EU',
    organizationId: 'org-1',
    created: '2023-07-13T06:15:25.836Z',
    roles: ['USER'],
    groups: ['g1'],
    ...extra
  }
}

const trait = (r: { annotations: Array<Record<string, unknown>> }, type: string): Record<string, unknown> | undefined =>
  r.annotations.find(a => a['@type'] === `${ANNOTATION_PREFIX}${type}`)

t.test('user status: ACTIVE / INACTIVE / PENDING_ACTIVATION / active:false, always explicit', async t => {
  const cases: Array<[Partial<DirectoryUser>, 'ENABLED' | 'DISABLED', RegExp]> = [
    [{ status: 'ACTIVE', active: true }, 'ENABLED', /^ACTIVE$/],
    [{ status: 'INACTIVE', active: false }, 'DISABLED', /^INACTIVE$/],
    [{ status: 'INACTIVE', active: true }, 'DISABLED', /^INACTIVE$/],
    [{ status: 'PENDING_ACTIVATION', active: false }, 'DISABLED', /^PENDING_ACTIVATION: pending activation/],
    [{ status: 'PENDING_ACTIVATION', active: true }, 'DISABLED', /pending activation/],
    [{ status: 'ACTIVE', active: false }, 'DISABLED', /ACTIVE but SCIM active is false/],
    [{ status: undefined, active: false }, 'DISABLED', /SCIM active is false \(no Zuora status\)/],
    [{ status: undefined, active: true }, 'ENABLED', /SCIM active is true/],
    [{ status: undefined, active: undefined }, 'ENABLED', /no Zuora status and no SCIM active flag/],
    [{ status: 'inactive' }, 'DISABLED', /^inactive$/],
    [{ status: 'LOCKED', active: true }, 'ENABLED', /unknown Zuora status "LOCKED"/],
    [{ status: 'LOCKED', active: false }, 'DISABLED', /LOCKED but SCIM active is false/]
  ]
  for (const [fields, want, details] of cases) {
    const u = user(fields)
    const s = userStatus(u)
    const label = JSON.stringify(fields)
    t.equal(s.resource, `RESOURCE_STATUS_${want}`, label)
    t.equal(s.trait, `STATUS_${want}`, label)
    t.match(s.details, details, label)
    const r = userResource(u)
    t.same(r.status, { status: `RESOURCE_STATUS_${want}`, details: s.details }, `Resource.status ${label}`)
    t.same(trait(r, 'UserTrait')?.status, { status: `STATUS_${want}`, details: s.details }, `UserTrait.status ${label}`)
  }
})

t.test('user resource: ids, traits, profile, createdAt', async t => {
  const r = userResource(user({ externalId: 'amy+1', preferredLanguage: 'en', locale: 'en-US', ssoEnabled: true }))
  t.same(r.id, { resourceType: 'user', resource: UID })
  t.equal(r.displayName, 'Amy Lawrence')
  t.equal(r.createdAt, '2023-07-13T06:15:25.836Z')
  t.same(trait(r, 'RawId'), { '@type': `${ANNOTATION_PREFIX}RawId`, id: UID })
  t.same(trait(r, 'UserTrait'), {
    '@type': `${ANNOTATION_PREFIX}UserTrait`,
    emails: [{ address: 'amy@example.com', isPrimary: true }],
    status: { status: 'STATUS_ENABLED', details: 'ACTIVE' },
    accountType: 'ACCOUNT_TYPE_HUMAN',
    login: 'amy@example.com',
    structuredName: { givenName: 'Amy', familyName: 'Lawrence' },
    ssoStatus: { ssoEnabled: true },
    createdAt: '2023-07-13T06:15:25.836Z'
  })
  t.same(r.profile, {
    userName: 'amy@example.com',
    externalId: 'amy+1',
    rawStatus: 'ACTIVE',
    active: true,
    roles: ['USER'],
    groups: ['g1'],
    region: 'EU',
    organizationId: 'org-1',
    created: '2023-07-13T06:15:25.836Z',
    preferredLanguage: 'en',
    locale: 'en-US',
    ssoEnabled: true
  })
  t.equal(r.annotations.length, 2, 'UserTrait + RawId')

  const bare = userResource({ id: 'u2', userName: 'u2', emails: [], roles: [], groups: [] })
  const bareTrait = trait(bare, 'UserTrait')
  t.notOk('emails' in (bareTrait ?? {}), 'no emails key when there are none')
  t.notOk('structuredName' in (bareTrait ?? {}))
  t.notOk('ssoStatus' in (bareTrait ?? {}))
  t.notOk('createdAt' in bare)
  t.same(bare.profile, { userName: 'u2', roles: [], groups: [] }, 'absent attributes stay absent')
  t.equal(JSON.stringify(userResource(user())), JSON.stringify(userResource(user())), 'deterministic')
})

t.test('display name fallback: displayName → formatted → userName → given family → id', async t => {
  t.equal(userDisplayName(user()), 'Amy Lawrence')
  t.equal(userDisplayName(user({ displayName: ' ', formattedName: 'A. Lawrence' })), 'A. Lawrence')
  t.equal(userDisplayName(user({ displayName: undefined, formattedName: undefined })), 'amy@example.com')
  t.equal(userDisplayName(user({ displayName: undefined, formattedName: '', userName: '' })), 'Amy Lawrence')
  t.equal(userDisplayName(user({ displayName: undefined, formattedName: undefined, userName: '', givenName: undefined })), 'Lawrence')
  t.equal(userDisplayName({ id: UID, userName: '  ', emails: [], roles: [], groups: [] }), UID)
  const long = userDisplayName(user({ displayName: 'ü'.repeat(600) }))
  t.ok(Buffer.byteLength(long) <= 1024, 'clipped to 1024 bytes')
  t.ok(long.endsWith('…'))
})

t.test('emails: valid only, primary flagged once, duplicates folded', async t => {
  const { emails, invalid } = traitEmails(user({
    emails: [
      { value: 'work@example.com', type: 'work', primary: true },
      { value: 'second@example.com', type: 'work', primary: true },
      { value: 'WORK@example.com', type: 'home', primary: false },
      { value: 'not-an-email', primary: false },
      { value: '  ', primary: false },
      { value: 'home@example.com', type: 'home', primary: false }
    ]
  }))
  t.same(emails, [
    { address: 'work@example.com', isPrimary: true },
    { address: 'second@example.com', isPrimary: false },
    { address: 'home@example.com', isPrimary: false }
  ])
  t.same(invalid, ['not-an-email'])
  const promoted = traitEmails(user({ emails: [{ value: 'a@example.com', primary: false }, { value: 'A@example.com', primary: true }] }))
  t.same(promoted.emails, [{ address: 'a@example.com', isPrimary: true }], 'a primary duplicate promotes the first entry')
  const none = traitEmails(user({ emails: [{ value: 'a@example.com', primary: false }] }))
  t.same(none.emails, [{ address: 'a@example.com', isPrimary: false }], 'no primary invented')
  const r = userResource(user({ emails: [{ value: 'bad@', primary: true }] }))
  t.same((r.profile as Record<string, unknown>).invalidEmails, ['bad@'], 'invalid addresses are reported in the profile')
  t.notOk('emails' in (trait(r, 'UserTrait') ?? {}))

  for (const ok of ['a@b.co', 'amy+test102@example.com', 'x@sub-domain.example.org', 'a@localhost']) t.ok(isValidEmail(ok), ok)
  for (const bad of ['', '@x.com', 'a@', 'a b@x.com', 'a@-x.com', 'a@x..com', '.a@x.com', 'a..b@x.com', '"a"@x.com', `${'a'.repeat(65)}@x.com`, 'Amy <a@x.com>']) {
    t.notOk(isValidEmail(bad), bad)
  }
})

t.test('timestamps: RFC 3339 UTC or left out', async t => {
  t.equal(timestamp('2023-07-13T06:15:25.836Z'), '2023-07-13T06:15:25.836Z')
  t.equal(timestamp('2023-07-13T08:15:25+02:00'), '2023-07-13T06:15:25.000Z')
  t.equal(timestamp('yesterday'), undefined)
  t.equal(timestamp(undefined), undefined)
  t.equal(timestamp('0000-01-01T00:00:00Z'), undefined)
  t.equal(userResource(user({ created: 'garbage' })).createdAt, undefined)
})

t.test('timestamps: impossible calendar dates are left out, never passed on', async t => {
  for (const bad of ['2023-02-30T10:00:00Z', '2023-01-01T24:00:00Z', '2023-02-29T00:00:00Z', '1900-02-29T00:00:00Z',
    '2023-12-31T23:59:60Z', '2023-13-01T00:00:00Z', '2023-04-31T00:00:00Z', '2023-01-01T10:60:00Z', '2023-01-01T10:00:00+24:00',
    '0001-01-01T00:30:00+01:00', '2023-07-13', '2023-07-13 06:15:25Z']) {
    t.equal(timestamp(bad), undefined, bad)
  }
  t.equal(timestamp('2024-02-29T00:00:00Z'), '2024-02-29T00:00:00Z', 'a real leap day')
  t.equal(timestamp('2000-02-29T23:59:59.999999999Z'), '2000-02-29T23:59:59.999999999Z')
  const r = userResource(user({ created: '2023-02-30T10:00:00Z' }))
  t.equal(r.createdAt, undefined, 'not in Resource.createdAt')
  t.equal((trait(r, 'UserTrait') as { createdAt?: string }).createdAt, undefined, 'nor in UserTrait.createdAt')
  t.equal((r.profile as { created?: string }).created, '2023-02-30T10:00:00Z', 'the raw value stays in the profile')
})

t.test('lone UTF-16 surrogates become U+FFFD; paired ones stay', async t => {
  t.equal(wellFormed('a\ud800b'), 'a\ufffdb')
  t.equal(wellFormed('\udc00x\ud83d'), '\ufffdx\ufffd')
  t.equal(wellFormed('👩‍💻 ok'), '👩‍💻 ok')
  const r = userResource(user({ displayName: 'Bad \ud800', userName: 'lone\udc00@example.com', givenName: 'G\ud83d' }))
  const text = JSON.stringify(r)
  t.notMatch(text, /\\ud[89ab]/i, 'no surrogate escapes left in the JSON')
  t.equal(r.displayName, 'Bad \ufffd')
  t.equal((trait(r, 'UserTrait') as { login?: string }).login, 'lone\ufffd@example.com', 'the user is kept, login repaired')
  const g = groupResource({ id: 'g1', displayName: 'Grp \udfff', members: [] })
  t.equal(g.displayName, 'Grp \ufffd')
  t.equal(groupEntitlement('g1', 'Grp \udfff').displayName, 'Grp \ufffd Group Member')
})

t.test('roles: resource, the `assigned` entitlement and grants with the SDK ids', async t => {
  const r = roleResource('ADMIN', 3)
  t.same(r.id, { resourceType: 'role', resource: 'ADMIN' })
  t.equal(r.displayName, 'ADMIN')
  t.match(r.description, /Organization Admin/)
  t.match(roleResource('USER', 1).description, /Standard User/)
  t.equal(roleResource('BILLING', 1).description, 'Zuora organization role BILLING')
  t.equal(roleResource('constructor', 1).description, 'Zuora organization role constructor', 'no prototype lookups')
  t.same(trait(r, 'RoleTrait'), { '@type': `${ANNOTATION_PREFIX}RoleTrait` }, 'RoleTrait present, even empty')
  t.same(trait(r, 'RawId'), { '@type': `${ANNOTATION_PREFIX}RawId`, id: 'ADMIN' })
  t.same(r.profile, { role: 'ADMIN', memberCount: 3 })
  t.same(r.status, { status: 'RESOURCE_STATUS_ENABLED' })

  const e = roleEntitlement('ADMIN')
  t.same(e, {
    id: 'role:ADMIN:assigned',
    resource: { id: { resourceType: 'role', resource: 'ADMIN' } },
    displayName: 'ADMIN Role Member',
    description: 'Has the ADMIN role in Zuora',
    slug: 'assigned',
    purpose: 'PURPOSE_VALUE_ASSIGNMENT',
    grantableTo: [RESOURCE_TYPES[0]]
  })
  const g = roleGrant('ADMIN', UID)
  t.same(g, {
    id: `role:ADMIN:assigned:user:${UID}`,
    entitlement: { id: 'role:ADMIN:assigned', resource: { id: { resourceType: 'role', resource: 'ADMIN' } } },
    principal: { id: { resourceType: 'user', resource: UID } }
  })
  t.equal(g.entitlement.id, e.id, 'the grant names the enumerated entitlement (SDK invariant I8)')
})

t.test('groups: resource, the `member` entitlement and grants', async t => {
  const group: DirectoryGroup = { id: 'g1', displayName: 'Finance', description: 'Finance team', organizationId: 'org-1', active: true, members: ['u1', 'u2'] }
  const r = groupResource(group)
  t.same(r, {
    id: { resourceType: 'group', resource: 'g1' },
    displayName: 'Finance',
    description: 'Finance team',
    annotations: [{ '@type': `${ANNOTATION_PREFIX}GroupTrait` }, { '@type': `${ANNOTATION_PREFIX}RawId`, id: 'g1' }],
    profile: { organizationId: 'org-1', active: true, memberCount: 2 },
    status: { status: 'RESOURCE_STATUS_ENABLED' }
  })
  const inactive = groupResource({ id: 'g2', displayName: '', active: false, members: [] })
  t.equal(inactive.displayName, 'g2', 'blank name falls back to the id')
  t.equal(inactive.description, 'Zuora user group g2')
  t.equal(inactive.status?.status, 'RESOURCE_STATUS_DISABLED')
  t.match(groupEntitlement('g1', 'Finance'), { id: 'group:g1:member', slug: 'member', displayName: 'Finance Group Member', purpose: 'PURPOSE_VALUE_ASSIGNMENT' })
  t.equal(groupEntitlement('g1', ' ').displayName, 'g1 Group Member')
  t.same(groupGrant('g1', 'u1'), {
    id: 'group:g1:member:user:u1',
    entitlement: { id: 'group:g1:member', resource: { id: { resourceType: 'group', resource: 'g1' } } },
    principal: { id: { resourceType: 'user', resource: 'u1' } }
  })
})

t.test('resource types: user (SkipEntitlementsAndGrants), role, group', async t => {
  t.same(RESOURCE_TYPES.map(rt => [rt.id, rt.traits]), [['user', ['TRAIT_USER']], ['role', ['TRAIT_ROLE']], ['group', ['TRAIT_GROUP']]])
  t.same(RESOURCE_TYPES[0].annotations, [{ '@type': `${ANNOTATION_PREFIX}SkipEntitlementsAndGrants` }])
  t.ok(Object.isFrozen(RESOURCE_TYPES) && Object.isFrozen(RESOURCE_TYPES[0]))
})

t.test('unsafe ids: ids are never mangled; the unsafe ones are flagged before they reach a join', async t => {
  // the SDK join is lossy: a ':' inside a native id makes two different (role, user) pairs collide
  t.equal(roleGrant('A', 'B:assigned:user:C').id, 'role:A:assigned:user:B:assigned:user:C', 'joined verbatim, not escaped')
  t.equal(roleGrant('A:assigned:user:B', 'C').id, roleGrant('A', 'B:assigned:user:C').id, 'hence the collision')
  t.type(unsafeIdReason('B:assigned:user:C'), 'string', 'and hence the refusal of such ids')
  for (const id of ['a:b', 'a/b', 'a\\b', '', ' x', 'x\n']) t.type(unsafeIdReason(id), 'string', JSON.stringify(id))
  for (const id of [UID, 'ADMIN', 'USER']) t.equal(unsafeIdReason(id), undefined)
})

t.test('clipBytes: code-point safe', async t => {
  t.equal(clipBytes('short', 10), 'short')
  const s = clipBytes('😀'.repeat(10), 10)
  t.ok(Buffer.byteLength(s) <= 10)
  t.notMatch(s, /\uFFFD/)
  t.equal(s, '😀…')
})

t.test('nestedGroupGrant: the parent\'s member entitlement to the nested group, expandable to its members', async t => {
  const g = nestedGroupGrant('p1', 'c1')
  t.equal(g.id, 'group:p1:member:group:c1', 'baton-sdk NewGrantID with principal type group')
  t.same(g.entitlement, { id: 'group:p1:member', resource: { id: { resourceType: 'group', resource: 'p1' } } })
  t.same(g.principal, { id: { resourceType: 'group', resource: 'c1' } })
  t.same(g.annotations, [{ '@type': `${ANNOTATION_PREFIX}GrantExpandable`, entitlementIds: ['group:c1:member'], resourceTypeIds: ['user'] }])
  t.same(groupEntitlement('p1', 'P', true).grantableTo.map(rt => rt.id), ['user', 'group'])
})
