/**
 * GET /roles, /roles/:id, /roles/:id/entitlements, /roles/:id/grants through app.inject.
 */
import t from 'tap'
import { EntitlementSchema, GrantSchema, ResourceSchema } from '#src/c1/model.ts'
import { testSnapshot } from '../helper.ts'
import { injectTestApp } from './inject.ts'
import { codeUnitSorted, conforms, getJson, ids, isProblem, namesParameter, walk } from './list-helpers.ts'
import type { Json } from './list-helpers.ts'

const snapshot = testSnapshot({ users: 50 })

t.test('GET /roles: the catalog, paged', async (t) => {
  const app = await injectTestApp({ snapshot, t })
  const { pages, items } = await walk(t, app, '/roles?pageSize=2')
  t.ok(pages.length >= 3, `${pages.length} pages`)
  const got = ids(items)
  t.same(got, snapshot.directory.roles, 'every role once, in id order')
  t.same(got, codeUnitSorted(got))
  t.ok(got.includes('ADMIN') && got.includes('USER'), 'built-in roles listed')
  for (const r of items) conforms(t, ResourceSchema, r, `role ${r.id.resource}`)
  t.ok(items.every((r: Json) => r.annotations.some((a: Json) => a['@type'].endsWith('.RoleTrait'))), 'RoleTrait on every role')
  isProblem(t, await getJson(app, '/roles?pageSize=2', { token: null }), 401, 'unauthorized', 'no token')
  namesParameter(t, await getJson(app, '/roles?pageSize=999'), 'pageSize', 'pageSize too big')
})

t.test('GET /roles/:id', async (t) => {
  const app = await injectTestApp({ snapshot, t })
  const res = await getJson(app, '/roles/ADMIN')
  t.equal(res.status, 200)
  t.same(res.body, { resource: snapshot.resource('role', 'ADMIN'), syncId: snapshot.syncId, snapshotAt: snapshot.snapshotAt })
  t.equal((await getJson(app, '/roles/ADMIN', { headers: { 'if-none-match': res.headers.get('etag') as string } })).status, 304)
  const missing = await getJson(app, '/roles/NOT_A_ROLE')
  t.match(isProblem(t, missing, 404, 'not-found', 'unknown role').detail, /NOT_A_ROLE/)
  isProblem(t, await getJson(app, '/roles/admin'), 404, 'not-found', 'role ids are case-sensitive')
})

t.test('unsafe role ids are refused with the reason, not mangled', async (t) => {
  const app = await injectTestApp({ snapshot, t })
  for (const [path, reason] of [
    ['/roles/BILLING%3AADMIN', /contains ':'/],
    ['/roles/a%2Fb', /contains '\/'/],
    ['/roles/a%5Cb', /contains '\\'/],
    ['/roles/%20ADMIN', /white space/],
    ['/roles/AD%01MIN', /control character/],
    ['/roles/a%3Ab/grants', /contains ':'/],
    ['/roles/a%3Ab/entitlements', /contains ':'/]
  ] as const) {
    const res = await getJson(app, path)
    const body = isProblem(t, res, 400, 'invalid-id', path)
    t.match(body.detail, reason, `${path}: reason`)
    namesParameter(t, res, 'id', path)
  }
})

t.test('GET /roles/:id/entitlements: exactly `assigned`', async (t) => {
  const app = await injectTestApp({ snapshot, t })
  const res = await getJson(app, '/roles/ADMIN/entitlements')
  t.equal(res.status, 200)
  t.equal(res.body.list.length, 1)
  t.equal(res.body.nextPageToken, '')
  t.equal(res.body.syncId, snapshot.syncId)
  const [e] = res.body.list
  conforms(t, EntitlementSchema, e, 'an Entitlement')
  t.match(e, {
    id: 'role:ADMIN:assigned',
    slug: 'assigned',
    purpose: 'PURPOSE_VALUE_ASSIGNMENT',
    resource: { id: { resourceType: 'role', resource: 'ADMIN' } },
    grantableTo: [{ id: 'user' }]
  })
  isProblem(t, await getJson(app, '/roles/NOPE/entitlements'), 404, 'not-found', 'unknown role')
  t.equal((await getJson(app, '/roles/ADMIN/entitlements', { headers: { 'if-none-match': res.headers.get('etag') as string } })).status, 304)
})

t.test('GET /roles/:id/grants: one per holder, paged', async (t) => {
  const app = await injectTestApp({ snapshot, t })
  const holders = snapshot.directory.users.filter((u) => u.roles.includes('USER')).map((u) => u.id)
  const { pages, items } = await walk(t, app, '/roles/USER/grants?pageSize=10')
  t.ok(pages.length >= 3, `${pages.length} pages`)
  t.same(items.map((g: Json) => g.principal.id.resource), holders, 'every holder once, in user-id order')
  t.same(ids(items), holders.map((u) => `role:USER:assigned:user:${u}`), 'SDK grant ids')
  t.ok(items.every((g: Json) => g.entitlement.id === 'role:USER:assigned' && g.entitlement.resource.id.resource === 'USER'))
  for (const g of items.slice(0, 3)) conforms(t, GrantSchema, g, 'a Grant')

  const adminFirst = await getJson(app, '/roles/ADMIN/grants?pageSize=2')
  const foreign = await getJson(app, `/roles/USER/grants?pageSize=2&pageToken=${adminFirst.body.nextPageToken}`)
  t.match(isProblem(t, foreign, 400, 'invalid-page-token', 'token of another role').detail, /another list/)
  isProblem(t, await getJson(app, `/users?pageToken=${adminFirst.body.nextPageToken}`), 400, 'invalid-page-token', 'grants token on /users')
  isProblem(t, await getJson(app, '/roles/NOPE/grants'), 404, 'not-found', 'unknown role')

  const tag = adminFirst.headers.get('etag') as string
  t.equal((await getJson(app, '/roles/ADMIN/grants?pageSize=2', { headers: { 'if-none-match': tag } })).status, 304)
  t.equal((await getJson(app, '/roles/ADMIN/grants?pageSize=3', { headers: { 'if-none-match': tag } })).status, 200)

  app.app.snapshots.publish(testSnapshot({ users: 20, seed: 5 }))
  const cont = await getJson(app, `/roles/ADMIN/grants?pageSize=2&pageToken=${adminFirst.body.nextPageToken}`)
  t.equal(cont.body.syncId, snapshot.syncId, 'grant walks stay on their snapshot too')
})

t.test('503 before the first snapshot', async (t) => {
  const app = await injectTestApp({ startSync: false, t })
  for (const path of ['/roles', '/roles/ADMIN', '/roles/ADMIN/entitlements', '/roles/ADMIN/grants']) {
    const res = await getJson(app, path)
    isProblem(t, res, 503, 'snapshot-not-ready', path)
    t.ok(res.headers.get('retry-after'), `${path}: Retry-After`)
  }
})
