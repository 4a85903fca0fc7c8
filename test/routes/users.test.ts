/**
 * GET /users and /users/:id through app.inject (injectTestApp with a published snapshot; no Zuora).
 */
import t from 'tap'
import { ResourceSchema } from '#src/c1/model.ts'
import { encodePageToken } from '#src/api/paging.ts'
import { newSyncId } from '#src/sync/sync-id.ts'
import { testSnapshot } from '../helper.ts'
import { injectTestApp } from './inject.ts'
import { codeUnitSorted, conforms, getJson, ids, isProblem, namesParameter, walk } from './list-helpers.ts'
import type { Json } from './list-helpers.ts'

t.test('first page, defaults and shape', async (t) => {
  const snapshot = testSnapshot({ users: 50 })
  const app = await injectTestApp({ snapshot, t })
  const res = await getJson(app, '/users')
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^application\/json/)
  t.equal(res.body.list.length, 50, 'default pageSize 100 holds all 50')
  t.equal(res.body.nextPageToken, '', 'done: ""')
  t.equal(res.body.syncId, snapshot.syncId)
  t.equal(res.body.snapshotAt, snapshot.snapshotAt)
  t.same(Object.keys(res.body).sort(), ['list', 'nextPageToken', 'snapshotAt', 'syncId'])
  for (const r of res.body.list.slice(0, 5)) conforms(t, ResourceSchema, r, `user ${r.id.resource} is a Resource`)
  t.same(res.body.list, snapshot.users.slice(0, 50), 'the snapshot\'s users, as mapped')
  const again = await getJson(app, '/users')
  t.equal(again.text, res.text, 'same bytes from the view cache')
})

t.test('pagination walk: every user exactly once, in id order', async (t) => {
  const snapshot = testSnapshot({ users: 50 })
  const app = await injectTestApp({ snapshot, t })
  const { pages, items } = await walk(t, app, '/users?pageSize=7')
  t.equal(pages.length, 8, '50 users in pages of 7')
  t.ok(pages.slice(0, -1).every((p: Json) => p.list.length === 7 && p.nextPageToken !== ''))
  t.ok(pages.every((p: Json) => p.syncId === snapshot.syncId), 'one snapshot')
  const got = ids(items)
  t.equal(new Set(got).size, 50, 'no duplicates')
  t.same(got, snapshot.directory.users.map((u) => u.id), 'all users, stable order')
  t.same(got, codeUnitSorted(got), 'sorted by id')
  const tokens = pages.map((p: Json) => p.nextPageToken).filter((x: string) => x !== '')
  t.equal(new Set(tokens).size, tokens.length, 'no token repeats')
  const varying = await walk(t, app, '/users?pageSize=1', 3)
  t.equal(varying.pages.length, 3)
  const next = varying.pages[2].nextPageToken
  const rest = await getJson(app, `/users?pageSize=250&pageToken=${next}`)
  t.same(ids([...varying.items, ...rest.body.list]), got, 'pageSize may change within a walk')
})

t.test('a walk stays on its snapshot across publishes; 410 once evicted', async (t) => {
  const first = testSnapshot({ users: 50, seed: 1 })
  const app = await injectTestApp({ snapshot: first, t })
  const page1 = await getJson(app, '/users?pageSize=20')
  app.app.snapshots.publish(testSnapshot({ users: 30, seed: 2 }))
  const current = await getJson(app, '/users?pageSize=20')
  t.not(current.body.syncId, first.syncId, 'new walks see the new snapshot')
  const page2 = await getJson(app, `/users?pageSize=20&pageToken=${page1.body.nextPageToken}`)
  t.equal(page2.status, 200)
  t.equal(page2.body.syncId, first.syncId, 'the old walk continues on its snapshot')
  t.same(ids(page2.body.list), first.directory.users.slice(20, 40).map((u) => u.id))
  const page3 = await getJson(app, `/users?pageSize=20&pageToken=${page2.body.nextPageToken}`)
  t.same(ids([...page1.body.list, ...page2.body.list, ...page3.body.list]), first.directory.users.map((u) => u.id), 'complete and consistent')
  t.equal(page3.body.nextPageToken, '')

  app.app.snapshots.publish(testSnapshot({ users: 10, seed: 3 }))
  app.app.snapshots.publish(testSnapshot({ users: 10, seed: 4 }))
  t.equal(app.app.snapshots.get(first.syncId), undefined, 'first snapshot evicted')
  const gone = await getJson(app, `/users?pageSize=20&pageToken=${page1.body.nextPageToken}`)
  const body = isProblem(t, gone, 410, 'snapshot-expired', 'evicted snapshot')
  t.match(body.detail, /without pageToken/, 'tells the caller to restart')

  const unknown = encodePageToken({ syncId: newSyncId(), offset: 20, scope: 'users?status=&role=&q=' })
  isProblem(t, await getJson(app, `/users?pageToken=${unknown}`), 410, 'snapshot-expired', 'never-held snapshot')
})

t.test('filters', async (t) => {
  const snapshot = testSnapshot({ users: 50 })
  const app = await injectTestApp({ snapshot, t })
  const enabled = await walk(t, app, '/users?status=enabled&pageSize=10')
  const disabled = await walk(t, app, '/users?status=disabled&pageSize=10')
  t.equal(enabled.items.length, snapshot.stats.usersByStatus.enabled)
  t.equal(disabled.items.length, snapshot.stats.usersByStatus.disabled)
  t.ok(enabled.items.every((u: Json) => u.status.status === 'RESOURCE_STATUS_ENABLED'))
  t.ok(disabled.items.every((u: Json) => u.status.status === 'RESOURCE_STATUS_DISABLED'))
  t.same(codeUnitSorted([...ids(enabled.items), ...ids(disabled.items)]), snapshot.directory.users.map((u) => u.id), 'a partition')

  const admins = await walk(t, app, '/users?role=ADMIN&pageSize=2')
  t.ok(admins.pages.length >= 3, 'filtered walk over several pages')
  const holders = snapshot.grantsOf('role', 'ADMIN')?.slice(0, 1000).map((g) => g.principal.id.resource) ?? []
  t.same(ids(admins.items), holders, 'role filter = the role\'s grants')
  const none = await getJson(app, '/users?role=NO_SUCH_ROLE')
  t.same(none.body.list, [], 'unknown role: empty')
  t.equal(none.body.nextPageToken, '')

  const someone = snapshot.directory.users[7]
  const [local] = someone.userName.split('@')
  const byName = await getJson(app, `/users?q=${encodeURIComponent(local.toUpperCase())}`)
  t.ok(ids(byName.body.list).includes(someone.id), 'q matches userName, case-insensitive')
  const combined = await walk(t, app, '/users?q=HOOLI&status=enabled&role=USER&pageSize=4')
  const expected = snapshot.directory.users.filter((u) => [u.userName, u.displayName ?? '', ...u.emails.map((e) => e.value)].some((v) => v.toLowerCase().includes('hooli')) && u.roles.includes('USER') &&
    snapshot.resource('user', u.id)?.status?.status === 'RESOURCE_STATUS_ENABLED')
  t.ok(expected.length > 0)
  t.same(ids(combined.items), expected.map((u) => u.id), 'filters combine (AND)')

  const enabledPage = await getJson(app, '/users?status=enabled&pageSize=5')
  const foreign = await getJson(app, `/users?status=disabled&pageSize=5&pageToken=${enabledPage.body.nextPageToken}`)
  const p = isProblem(t, foreign, 400, 'invalid-page-token', 'token of another filter')
  t.match(p.detail, /another list or filter/)
  namesParameter(t, foreign, 'pageToken', 'token of another filter')
  const unfiltered = await getJson(app, `/users?pageSize=5&pageToken=${enabledPage.body.nextPageToken}`)
  isProblem(t, unfiltered, 400, 'invalid-page-token', 'filtered token on the unfiltered list')
  const sameFilterOtherCase = await getJson(app, '/users?q=HOOLI&pageSize=5')
  const cont = await getJson(app, `/users?q=hooli&pageSize=5&pageToken=${sameFilterOtherCase.body.nextPageToken}`)
  t.equal(cont.status, 200, 'q is case-insensitive, so its tokens are too')
})

t.test('bad query values: 400 naming the parameter', async (t) => {
  const app = await injectTestApp({ snapshot: testSnapshot({ users: 50 }), t })
  for (const [query, parameter] of [
    ['pageSize=0', 'pageSize'], ['pageSize=251', 'pageSize'], ['pageSize=abc', 'pageSize'], ['pageSize=1.5', 'pageSize'],
    ['status=active', 'status'], ['q=', 'q'], [`q=${'x'.repeat(257)}`, 'q'], ['role=', 'role'],
    ['pageToken=not-a-token', 'pageToken'], [`pageToken=${'A'.repeat(600)}`, 'pageToken'], ['pageToken=', 'pageToken']
  ] as const) {
    const res = await getJson(app, `/users?${query}`)
    t.match(res.headers.get('content-type'), /^application\/problem\+json/, `${query.slice(0, 40)}: problem+json`)
    namesParameter(t, res, parameter, query.slice(0, 40))
  }
  isProblem(t, await getJson(app, '/users?pageToken=not-a-token'), 400, 'invalid-page-token', 'garbage token')
  const forged = await getJson(app, '/users?pageToken=eyJ2IjoxfQ')
  t.match(isProblem(t, forged, 400, 'invalid-page-token', 'forged').detail, /pageToken/)
})

t.test('ETag and If-None-Match', async (t) => {
  const app = await injectTestApp({ snapshot: testSnapshot({ users: 50 }), t })
  const first = await getJson(app, '/users?pageSize=10')
  const tag = first.headers.get('etag')
  t.match(tag, /^W\/".+"$/)
  const cached = await getJson(app, '/users?pageSize=10', { headers: { 'if-none-match': tag as string } })
  t.equal(cached.status, 304)
  t.equal(cached.text, '', 'no body')
  t.equal(cached.headers.get('etag'), tag)
  const other = await getJson(app, '/users?pageSize=11')
  t.not(other.headers.get('etag'), tag, 'other query, other tag')
  t.not((await getJson(app, '/users?pageSize=10&status=enabled')).headers.get('etag'), tag, 'filters change the tag')
  app.app.snapshots.publish(testSnapshot({ users: 50, seed: 9 }))
  const fresh = await getJson(app, '/users?pageSize=10', { headers: { 'if-none-match': tag as string } })
  t.equal(fresh.status, 200, 'new snapshot, new tag')
  t.not(fresh.headers.get('etag'), tag)
  const one = await getJson(app, `/users/${fresh.body.list[0].id.resource}`)
  t.equal((await getJson(app, `/users/${fresh.body.list[0].id.resource}`, { headers: { 'if-none-match': one.headers.get('etag') as string } })).status, 304, 'single user 304')
})

t.test('503 before the first snapshot, then 200', async (t) => {
  const app = await injectTestApp({ startSync: false, t })
  const res = await getJson(app, '/users')
  const body = isProblem(t, res, 503, 'snapshot-not-ready', 'no snapshot yet')
  t.match(res.headers.get('retry-after'), /^\d+$/, 'Retry-After')
  t.ok('sync' in body, 'sync progress member')
  isProblem(t, await getJson(app, '/users/x'), 503, 'snapshot-not-ready', 'single user')
  app.app.snapshots.publish(testSnapshot({ users: 5 }))
  t.equal((await getJson(app, '/users')).status, 200)
})

t.test('auth', async (t) => {
  const app = await injectTestApp({ snapshot: testSnapshot({ users: 5 }), t })
  t.equal((await getJson(app, '/users', { token: null })).status, 401, 'no token')
  t.equal((await getJson(app, '/users', { token: 'wrong-token' })).status, 401, 'wrong token')
  t.equal((await getJson(app, '/users/abc', { token: null })).status, 401, 'no token on /users/:id')
  t.equal((await getJson(app, '/users')).status, 200, 'right token')
})

t.test('GET /users/:id', async (t) => {
  const snapshot = testSnapshot({ users: 50 })
  const app = await injectTestApp({ snapshot, t })
  const u = snapshot.directory.users[3]
  const res = await getJson(app, `/users/${encodeURIComponent(u.id)}`)
  t.equal(res.status, 200)
  t.same(Object.keys(res.body).sort(), ['resource', 'snapshotAt', 'syncId'])
  t.same(res.body.resource, snapshot.resource('user', u.id))
  conforms(t, ResourceSchema, res.body.resource, 'a Resource')
  t.equal(res.body.syncId, snapshot.syncId)
  const missing = await getJson(app, '/users/00000000-0000-0000-0000-000000000000')
  t.match(isProblem(t, missing, 404, 'not-found', 'unknown user').detail, /00000000-0000/)
  const unsafe = await getJson(app, '/users/a%3Ab')
  t.match(isProblem(t, unsafe, 400, 'invalid-id', 'unsafe id').detail, /contains ':'/)
  namesParameter(t, unsafe, 'id', 'unsafe id')
})
