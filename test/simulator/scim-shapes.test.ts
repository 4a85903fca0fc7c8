import t from 'tap'
import { get, one, sim, token } from './helpers.ts'

const USER_EXT = 'urn:zuora:scim:schemas:1.0:UserExtension'
const GROUP_EXT = 'urn:zuora:scim:schemas:1.0:GroupExtension'

t.test('list envelope: Zuora key order and null keys', async t => {
  const s = await sim(t, { users: 20, groups: 3 })
  const tok = await token(s)
  const r = await get(s, '/scim/v2/Users?count=2', tok, { 'zuora-track-id': 'abc' })
  t.equal(r.status, 200)
  t.match(r.headers.get('content-type'), /^application\/json/)
  t.equal(r.headers.get('zuora-track-id'), 'abc')
  t.match(r.headers.get('zuora-request-id'), /^[0-9a-f-]{36}$/)
  t.notOk(r.headers.get('ratelimit-limit'), 'no rate-limit headers when the limiter is off')
  t.same(Object.keys(r.json), ['schemas', 'id', 'externalId', 'meta', 'totalResults', 'resources', 'startIndex', 'itemsPerPage'])
  t.same(r.json.schemas, ['urn:ietf:params:scim:api:messages:2.0:ListResponse'])
  t.equal(r.json.id, null)
  t.equal(r.json.externalId, null)
  t.equal(r.json.meta, null)
})

t.test('user JSON as in §3.3', async t => {
  const s = await sim(t, { users: 200, groups: 8, seed: 3 })
  const tok = await token(s)
  const withGroups = s.control.users().find(u => u.groups.length > 0 && u.externalId !== undefined)!
  const u = await one(s, 'Users', withGroups.id, tok)
  t.same(Object.keys(u), ['schemas', 'id', 'externalId', 'meta', 'userName', 'name', 'displayName', 'preferredLanguage',
    'locale', 'active', 'emails', 'groups', 'roles', USER_EXT])
  t.same(u.schemas, [USER_EXT, 'urn:ietf:params:scim:schemas:core:2.0:User'], 'extension first')
  t.same(Object.keys(u.meta), ['created', 'resourceType', 'location'])
  t.match(u.meta.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  t.equal(u.meta.location, `http://localhost:9900/scim/v2/Users/${u.id}`)
  t.same(u.name, { formatted: `${withGroups.givenName} ${withGroups.familyName}`, familyName: withGroups.familyName, givenName: withGroups.givenName })
  t.equal(u.displayName, u.name.formatted)
  t.same(u.emails[0], { value: withGroups.workEmail, display: withGroups.workEmail, type: 'work', primary: true })
  t.same(u.groups, withGroups.groups.map(value => ({ value, display: '' })))
  t.same(u.roles, withGroups.roles.map(value => ({ value, display: value })))
  t.same(u[USER_EXT], { schemas: [USER_EXT], organizationId: s.control.organizationId, status: withGroups.status, ssoEnabled: withGroups.ssoEnabled, region: withGroups.region })
  const loner = s.control.users().find(u => u.groups.length === 0)!
  t.notOk('groups' in await one(s, 'Users', loner.id, tok), 'groups absent when none')
  const home = s.control.users().find(u => u.homeEmail !== undefined)!
  t.same((await one(s, 'Users', home.id, tok)).emails[1], { value: home.homeEmail, display: home.homeEmail, type: 'home', primary: false })
})

t.test('group JSON as in §3.5: members {value}', async t => {
  const s = await sim(t, { users: 100, groups: 4, seed: 2 })
  const tok = await token(s)
  const g = s.control.groups().find(x => x.members.length > 0)!
  const list = await get(s, '/scim/v2/Groups?count=100', tok)
  const listed = list.json.resources.find((x: { id: string }) => x.id === g.id)
  t.same(Object.keys(listed), ['schemas', 'id', 'displayName', 'members', GROUP_EXT, 'meta'])
  t.same(listed.schemas, ['urn:ietf:params:scim:schemas:core:2.0:Group', GROUP_EXT])
  t.same(listed.members, g.members.map(value => ({ value })))
  t.same(listed[GROUP_EXT], { schemas: [GROUP_EXT], description: g.description, organizationId: s.control.organizationId, active: true })
  t.same(listed.meta, { resourceType: 'Group', location: `http://localhost:9900/scim/v2/Groups/${g.id}` })
  const retired = await one(s, 'Groups', s.control.addGroup({ displayName: 'Old', active: false }).id, tok)
  t.notOk('members' in retired, 'inactive group without members key')
  t.equal(retired[GROUP_EXT].active, false)
})

t.test('401 and 404 shapes', async t => {
  const s = await sim(t, { users: 5, groups: 1 })
  const tok = await token(s)
  for (const path of ['/scim/v2/Users', '/scim/v2/Groups?count=1']) {
    const r = await get(s, path)
    t.equal(r.status, 401, path)
    t.same(r.json, { success: false, reasons: [{ message: 'Unauthorized', code: '90000011' }] })
  }
  t.equal((await get(s, '/scim/v2/Users', 'not-a-token')).status, 401)
  const nf = await get(s, '/scim/v2/Nothing', tok)
  t.equal(nf.status, 404)
  t.same(nf.json.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'])
  t.equal(nf.json.status, '404', 'status is a string')
  t.type(nf.json.detail, 'string')
  t.equal((await get(s, '/scim/v2/Users/00000000-0000-4000-8000-000000000000', tok)).status, 404, 'no single-resource GETs')
  t.same((await get(s, '/scim/v2/Users?filter=userName%20pr', tok)).json, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidFilter', detail: 'Filters are not simulated' })
  const write = await fetch(`${s.url}/scim/v2/Users`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' }, body: '{}' })
  t.equal(write.status, 501)
})

t.test('gzip knob: answers over 1000 bytes are gzip-compressed when accepted', async t => {
  const { gunzipSync } = await import('node:zlib')
  const s = await sim(t, { users: 20, groups: 1, gzip: true })
  const tok = await token(s)
  const { request } = await import('undici')
  const r = await request(`${s.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${tok}`, 'accept-encoding': 'gzip' } })
  t.equal(r.headers['content-encoding'], 'gzip')
  const body = JSON.parse(gunzipSync(Buffer.from(await r.body.arrayBuffer())).toString())
  t.equal(body.resources.length, 20)
  const plain = await request(`${s.url}/scim/v2/Users`, { headers: { authorization: `Bearer ${tok}` } })
  t.notOk(plain.headers['content-encoding'])
  t.equal((await plain.body.json() as { totalResults: number }).totalResults, 20)
})
