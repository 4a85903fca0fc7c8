import t from 'tap'
import { checkGroup, checkListResponse, checkUser, parseJson } from '#src/zuora/scim-schemas.ts'
import { listResponse, scimGroup, scimUser } from './helpers.ts'

const ctx = { endpoint: 'users' as const, where: 'SCIM Users page 2 (startIndex 101, count 100)', requestId: 'zr-7' }

t.test('accepts Zuora users and groups as documented, unknown attributes ignored', async t => {
  const u = scimUser('u1', { 'urn:sim:nested': { a: { b: { c: 1 } } }, title: 'x', nickName: null })
  t.equal(checkUser(u, ctx).id, 'u1')
  const minimal = { id: 'u2', userName: 'u2' }
  t.equal(checkUser(minimal, ctx).userName, 'u2')
  const nulls = { id: 'u3', userName: 'u3', externalId: null, name: null, emails: null, groups: null, roles: null, meta: null, active: null, 'urn:zuora:scim:schemas:1.0:UserExtension': null }
  t.same(checkUser(nulls, ctx), { id: 'u3', userName: 'u3' }, 'null optional attributes tolerated (and dropped)')
  t.same(checkUser({ id: 'u4', userName: 'u4', name: { givenName: null, familyName: 'F' }, emails: [{ value: 'e', type: null, primary: null }] }, ctx),
    { id: 'u4', userName: 'u4', name: { familyName: 'F' }, emails: [{ value: 'e' }] }, 'nulls inside sub-objects and multi-values')
  t.same(checkGroup({ id: 'g3', displayName: null, members: null, meta: null }, ctx), { id: 'g3' })
  t.equal(checkGroup(scimGroup('g1', ['u1']), { ...ctx, endpoint: 'groups' }).id, 'g1')
  t.equal(checkGroup({ id: 'g2', displayName: 'x', members: [{ value: 'u1', display: 'a', $ref: 'http://x' }] }, ctx).id, 'g2')
})

t.test('wrong types are payload errors naming the resource id and the field path', async t => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [scimUser('u-roles', { roles: 'ADMIN' }), /"u-roles".*\/roles/],
    [scimUser('u-active', { active: 'yes' }), /"u-active".*\/active/],
    [scimUser('u-email', { emails: [{ value: 42 }] }), /"u-email".*\/emails\/0\/value/],
    [scimUser('u-ext', { 'urn:zuora:scim:schemas:1.0:UserExtension': { status: 7 } }), /"u-ext".*\/urn:zuora:scim:schemas:1.0:UserExtension\/status/],
    [{ ...scimUser('u-name'), userName: undefined }, /"u-name".*userName/],
    [{ userName: 'x' }, /\(no id\)/],
    [{ id: '', userName: 'x' }, /\(no id\)/]
  ]
  for (const [value, re] of cases) {
    t.throws(() => checkUser(value, ctx), { name: 'ZuoraError', kind: 'payload', requestId: 'zr-7', message: re })
  }
  t.throws(() => checkUser(scimUser('u9', { roles: 'ADMIN' }), ctx), { message: /in SCIM Users page 2 \(startIndex 101, count 100\)/ })
  t.throws(() => checkGroup(scimGroup('g-bad', [], { members: [{ value: 1 }] }), ctx), { kind: 'payload', message: /"g-bad".*\/members\/0\/value/ })
  t.throws(() => checkUser(null, ctx), { name: 'ZuoraError', kind: 'payload' })
  t.throws(() => checkUser('x', ctx), { name: 'ZuoraError', kind: 'payload' })
})

t.test('ListResponse: resources or Resources, null keys, optional paging fields', async t => {
  const zuora = listResponse([scimUser('a')], 1)
  t.same(checkListResponse(zuora, ctx), { totalResults: 1, resources: [zuora.resources && (zuora.resources as unknown[])[0]] })
  const rfc = { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 1, Resources: [scimUser('b')] }
  t.equal(checkListResponse(rfc, ctx).resources.length, 1)
  t.same(checkListResponse({ totalResults: 0 }, ctx), { totalResults: 0, resources: [] })
  t.same(checkListResponse({ totalResults: 0, resources: null, startIndex: null, itemsPerPage: null }, ctx), { totalResults: 0, resources: [] })
  t.throws(() => checkListResponse({ totalResults: '5', resources: [] }, ctx), { kind: 'payload', message: /totalResults/ })
  t.throws(() => checkListResponse({ resources: [] }, ctx), { kind: 'payload', message: /totalResults/ })
  t.throws(() => checkListResponse({ totalResults: 1, resources: {} }, ctx), { kind: 'payload', message: /resources/ })
  t.throws(() => checkListResponse([], ctx), { name: 'ZuoraError', kind: 'payload', message: /not a JSON object/ })
})

t.test('JSON parsing', async t => {
  t.same(parseJson('{"a":1}', ctx), { a: 1 })
  t.throws(() => parseJson('<html>', ctx), { name: 'ZuoraError', kind: 'payload', message: /not valid JSON/ })
})

t.test('hostile payloads: __proto__ keys smuggle nothing, deep nesting and junk are payload errors', async t => {
  const smuggled = JSON.parse('{"id":"u1","userName":"u","__proto__":{"roles":[{"value":"ADMIN"}],"active":"yes"},"name":{"__proto__":{"givenName":7}}}') as unknown
  const u = checkUser(smuggled, ctx)
  t.equal(u.roles, undefined, 'no inherited roles')
  t.equal(u.active, undefined)
  t.equal(u.name?.givenName, undefined)
  t.equal(Object.getPrototypeOf(u), Object.prototype)
  const list = checkListResponse(JSON.parse('{"totalResults":1,"__proto__":{"Resources":[{"id":"evil","userName":"e"}]},"resources":[]}'), ctx)
  t.same(list.resources, [], 'no inherited Resources')
  t.equal(({} as Record<string, unknown>).roles, undefined, 'Object.prototype untouched')

  const deep = `${'{"a":'.repeat(200_000)}1${'}'.repeat(200_000)}`
  t.throws(() => checkListResponse(parseJson(deep, ctx), ctx), { name: 'ZuoraError', kind: 'payload', message: /totalResults/ }, 'a 200k-deep body: a payload error, no crash')
  const nested = checkUser(scimUser('n1', { 'urn:sim:nested': JSON.parse(`${'{"a":'.repeat(500)}1${'}'.repeat(500)}`) }), ctx)
  t.equal(nested.id, 'n1', 'unknown deeply nested attributes are ignored, not walked')
  t.throws(() => checkUser(scimUser('big', { roles: Array.from({ length: 5 }, () => 'x') }), ctx), { kind: 'payload', message: /"big".*\/roles\/0/ })
  t.throws(() => checkUser({ id: 5, userName: 'x' }, ctx), { kind: 'payload', message: /\(no id\).*\/id/ })
  t.throws(() => checkListResponse({ totalResults: -1, resources: [] }, ctx), { kind: 'payload', message: /totalResults/ })
  t.throws(() => checkListResponse({ totalResults: 1.5, resources: [] }, ctx), { kind: 'payload', message: /totalResults/ })
})
