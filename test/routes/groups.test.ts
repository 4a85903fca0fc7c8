/**
 * GET /groups, /groups/:id, /groups/:id/entitlements, /groups/:id/grants through app.inject.
 */
import t from 'tap'
import { EntitlementSchema, GrantSchema, ResourceSchema } from '#src/c1/model.ts'
import { testSnapshot } from '../helper.ts'
import { injectTestApp } from './inject.ts'
import { codeUnitSorted, conforms, getJson, ids, isProblem, namesParameter, walk } from './list-helpers.ts'
import type { Json } from './list-helpers.ts'

const snapshot = testSnapshot({ users: 50, groups: 5 })
const groups = snapshot.directory.groups
const biggest = [...groups].sort((a, b) => b.members.length - a.members.length)[0]

t.test('GET /groups: every group, paged', async (t) => {
  const app = await injectTestApp({ snapshot, t })
  const { pages, items } = await walk(t, app, '/groups?pageSize=2')
  t.equal(pages.length, 3)
  const got = ids(items)
  t.same(got, groups.map((g) => g.id), 'every group once, in id order')
  t.same(got, codeUnitSorted(got))
  for (const g of items) conforms(t, ResourceSchema, g, `group ${g.id.resource}`)
  t.ok(items.every((g: Json) => g.annotations.some((a: Json) => a['@type'].endsWith('.GroupTrait'))), 'GroupTrait on every group')
  isProblem(t, await getJson(app, '/groups', { token: null }), 401, 'unauthorized', 'no token')
  namesParameter(t, await getJson(app, '/groups?pageSize=-1'), 'pageSize', 'negative pageSize')
  const first = await getJson(app, '/groups?pageSize=2')
  isProblem(t, await getJson(app, `/roles?pageToken=${first.body.nextPageToken}`), 400, 'invalid-page-token', 'groups token on /roles')
})

t.test('GET /groups/:id', async (t) => {
  const app = await injectTestApp({ snapshot, t })
  const g = groups[0]
  const res = await getJson(app, `/groups/${g.id}`)
  t.equal(res.status, 200)
  t.same(res.body, { resource: snapshot.resource('group', g.id), syncId: snapshot.syncId, snapshotAt: snapshot.snapshotAt })
  t.equal((await getJson(app, `/groups/${g.id}`, { headers: { 'if-none-match': res.headers.get('etag') as string } })).status, 304)
  isProblem(t, await getJson(app, '/groups/00000000-0000-0000-0000-000000000000'), 404, 'not-found', 'unknown group')
  const unsafe = await getJson(app, '/groups/x%3Ay')
  isProblem(t, unsafe, 400, 'invalid-id', 'unsafe id')
  namesParameter(t, unsafe, 'id', 'unsafe id')
})

t.test('GET /groups/:id/entitlements: exactly `member`', async (t) => {
  const app = await injectTestApp({ snapshot, t })
  const g = groups[1]
  const res = await getJson(app, `/groups/${g.id}/entitlements`)
  t.equal(res.status, 200)
  t.equal(res.body.list.length, 1)
  t.equal(res.body.nextPageToken, '')
  conforms(t, EntitlementSchema, res.body.list[0], 'an Entitlement')
  t.match(res.body.list[0], {
    id: `group:${g.id}:member`,
    slug: 'member',
    purpose: 'PURPOSE_VALUE_ASSIGNMENT',
    resource: { id: { resourceType: 'group', resource: g.id } },
    grantableTo: [{ id: 'user' }]
  })
  isProblem(t, await getJson(app, '/groups/nope/entitlements'), 404, 'not-found', 'unknown group')
})

t.test('GET /groups/:id/grants: one per member, paged', async (t) => {
  const app = await injectTestApp({ snapshot, t })
  const { pages, items } = await walk(t, app, `/groups/${biggest.id}/grants?pageSize=5`)
  t.ok(pages.length >= 3, `${pages.length} pages`)
  const members = biggest.members.filter((id) => snapshot.resource('user', id) !== undefined)
  t.same(items.map((g: Json) => g.principal.id.resource), members, 'every member once, in user-id order')
  t.same(ids(items), members.map((u) => `group:${biggest.id}:member:user:${u}`))
  for (const g of items.slice(0, 3)) conforms(t, GrantSchema, g, 'a Grant')
  isProblem(t, await getJson(app, '/groups/nope/grants'), 404, 'not-found', 'unknown group')
  const first = await getJson(app, `/groups/${biggest.id}/grants?pageSize=5`)
  const other = groups.find((g) => g.id !== biggest.id) as typeof biggest
  isProblem(t, await getJson(app, `/groups/${other.id}/grants?pageToken=${first.body.nextPageToken}`), 400, 'invalid-page-token', 'token of another group')
  t.equal((await getJson(app, `/groups/${biggest.id}/grants?pageSize=5`, { headers: { 'if-none-match': first.headers.get('etag') as string } })).status, 304)
})

t.test('503 before the first snapshot', async (t) => {
  const app = await injectTestApp({ startSync: false, t })
  for (const path of ['/groups', '/groups/x', '/groups/x/entitlements', '/groups/x/grants']) {
    isProblem(t, await getJson(app, path), 503, 'snapshot-not-ready', path)
  }
})
