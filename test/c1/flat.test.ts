/**
 * The flat view: pure mapping of the protojson objects, and `?view=flat` over HTTP (same walk, own ETag, 400 on an
 * unknown view).
 */
import t from 'tap'
import { flatGrant, flatGroup, flatRole, flatUser } from '#src/c1/flat.ts'
import { EXAMPLES } from '#src/api/examples.ts'
import { testSnapshot } from '../helper.ts'
import { injectTestApp } from '../routes/inject.ts'
import { getJson, namesParameter, walk } from '../routes/list-helpers.ts'

t.test('flat items are top-level scalars, always present', async t => {
  t.strictSame(flatUser(EXAMPLES.user), {
    id: EXAMPLES.user.id.resource,
    displayName: 'Elena Haddad',
    email: 'elena.haddad@hooli.example.com',
    login: 'elena.haddad@hooli.example.com',
    status: 'enabled',
    zuoraStatus: 'ACTIVE',
    statusDetails: 'ACTIVE',
    createdAt: '2024-10-13T18:32:02.767Z'
  })
  const bare = { ...EXAMPLES.user, annotations: [], profile: {}, status: { status: 'RESOURCE_STATUS_DISABLED' as const } }
  delete (bare as { createdAt?: string }).createdAt
  t.strictSame(flatUser(bare), { id: bare.id.resource, displayName: 'Elena Haddad', email: '', login: '', status: 'disabled', zuoraStatus: '', statusDetails: '', createdAt: '' })
  const noPrimary = { ...EXAMPLES.user, annotations: [{ '@type': 'type.googleapis.com/c1.connector.v2.UserTrait', emails: [{ address: 'b@x.io', isPrimary: false }, { address: 'c@x.io', isPrimary: false }] }] }
  t.equal(flatUser(noPrimary).email, 'b@x.io', 'no primary → the first address')
  t.strictSame(flatRole(EXAMPLES.role), { id: 'ADMIN', displayName: 'ADMIN', description: EXAMPLES.role.description, memberCount: 1 })
  t.strictSame(flatGroup(EXAMPLES.group), { id: EXAMPLES.group.id.resource, displayName: 'Finance', description: 'Finance team access', status: 'enabled', memberCount: 1 })
  t.strictSame(flatGrant(EXAMPLES.roleGrant), {
    id: EXAMPLES.roleGrant.id,
    entitlementId: 'role:ADMIN:assigned',
    resourceType: 'role',
    resourceId: 'ADMIN',
    principalType: 'user',
    principalId: EXAMPLES.user.id.resource
  })
})

t.test('?view=flat over HTTP: same walk as protojson, own ETag, 400 on an unknown view', async t => {
  const app = await injectTestApp({ t, snapshot: testSnapshot({ users: 60, groups: 3 }) })
  const proto = await walk(t, app, '/users?pageSize=25')
  const flat = await walk(t, app, '/users?pageSize=25&view=flat')
  t.strictSame(flat.items, proto.items.map(flatUser), 'the flat walk is the protojson walk, flattened')
  t.strictSame(flat.pages.map(p => p.nextPageToken), proto.pages.map(p => p.nextPageToken), 'the same page tokens')
  const mixed = await getJson(app, `/users?pageSize=25&view=flat&pageToken=${encodeURIComponent(proto.pages[0].nextPageToken)}`)
  t.strictSame(mixed.body.list, flat.pages[1].list, 'a protojson token continues in the flat view')

  const groupId: string = (await getJson(app, '/groups?view=flat')).body.list[0].id
  for (const path of ['/users', '/roles', '/groups', '/roles/ADMIN/grants', `/groups/${encodeURIComponent(groupId)}/grants`]) {
    const a = await getJson(app, path)
    const b = await getJson(app, `${path}${path.includes('?') ? '&' : '?'}view=flat`)
    t.equal(a.status, 200, path)
    t.equal(b.status, 200, `${path} flat`)
    t.not(a.headers.get('etag'), b.headers.get('etag'), `${path}: the views have different ETags`)
    t.equal(b.body.syncId, a.body.syncId, `${path}: the same snapshot`)
    t.ok(b.body.list.every((x: Record<string, unknown>) => Object.values(x).every(v => typeof v === 'string' || typeof v === 'number')), `${path}: scalars only`)
    const again = await app.request(`${path}${path.includes('?') ? '&' : '?'}view=flat`, { headers: { 'if-none-match': String(b.headers.get('etag')) } })
    t.equal(again.status, 304, `${path}: 304 on its own ETag`)
    const cross = await app.request(path, { headers: { 'if-none-match': String(b.headers.get('etag')) } })
    t.equal(cross.status, 200, `${path}: the flat ETag does not match the protojson page`)
  }
  t.equal((await getJson(app, '/users?view=protojson')).headers.get('etag'), (await getJson(app, '/users')).headers.get('etag'), 'protojson is the default')
  namesParameter(t, await getJson(app, '/users?view=table'), 'view', 'unknown view')
  namesParameter(t, await getJson(app, '/roles/ADMIN/grants?view=FLAT'), 'view', 'views are case-sensitive')
})
