/**
 * GET /resource-types through app.inject.
 */
import t from 'tap'
import { ResourceTypeSchema } from '#src/c1/model.ts'
import { testSnapshot } from '../helper.ts'
import { injectTestApp } from './inject.ts'
import { conforms, getJson, ids, isProblem, namesParameter, walk } from './list-helpers.ts'

t.test('user, role, group', async (t) => {
  const snapshot = testSnapshot({ users: 10 })
  const app = await injectTestApp({ snapshot, t })
  const res = await getJson(app, '/resource-types')
  t.equal(res.status, 200)
  t.same(ids(res.body.list), ['user', 'role', 'group'])
  t.equal(res.body.nextPageToken, '')
  t.equal(res.body.syncId, snapshot.syncId)
  t.match(res.body.list, [
    { traits: ['TRAIT_USER'], annotations: [{ '@type': 'type.googleapis.com/c1.connector.v2.SkipEntitlementsAndGrants' }] },
    { traits: ['TRAIT_ROLE'] },
    { traits: ['TRAIT_GROUP'] }
  ])
  for (const rt of res.body.list) conforms(t, ResourceTypeSchema, rt, `${rt.id} is a ResourceType`)
  const paged = await walk(t, app, '/resource-types?pageSize=1')
  t.equal(paged.pages.length, 3)
  t.same(ids(paged.items), ['user', 'role', 'group'])

  const tag = res.headers.get('etag') as string
  t.equal((await getJson(app, '/resource-types', { headers: { 'if-none-match': tag } })).status, 304)
  namesParameter(t, await getJson(app, '/resource-types?pageSize=0'), 'pageSize', 'pageSize 0')
  isProblem(t, await getJson(app, '/resource-types?pageToken=abc'), 400, 'invalid-page-token', 'bad token')
  isProblem(t, await getJson(app, '/resource-types', { token: null }), 401, 'unauthorized', 'no token')
})

t.test('503 before the first snapshot', async (t) => {
  const app = await injectTestApp({ startSync: false, t })
  const res = await getJson(app, '/resource-types')
  isProblem(t, res, 503, 'snapshot-not-ready', 'no snapshot')
  t.ok(res.headers.get('retry-after'))
})
