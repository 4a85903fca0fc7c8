import t from 'tap'
import { FilterError, parseGroupFilter, parseUserFilter } from '#simulator/filters.ts'
import { generateOrg } from '#simulator/index.ts'
import { get, sim, token } from './helpers.ts'

const org = generateOrg({ users: 400, groups: 10, seed: 11 })
const users = (f: string) => org.users.filter(u => parseUserFilter(f)(u, org.organizationId))

t.test('user filters', async t => {
  const u = org.users[17]
  t.same(users(`userName eq "${u.userName.toUpperCase()}"`), [u], 'userName is case-insensitive')
  t.same(users(`id eq "${u.id}"`), [u])
  t.same(users(`ID EQ "${u.id}"`), [u], 'attribute and operator names case-insensitive')
  t.equal(users(`id ne "${u.id}"`).length, 399)
  const pending = org.users.filter(x => x.status === 'PENDING_ACTIVATION')
  t.same(users('status eq "PENDING_ACTIVATION"'), pending)
  t.same(users('urn:zuora:scim:schemas:1.0:UserExtension:status eq "PENDING_ACTIVATION"'), pending, 'URN-qualified')
  t.same(users(`id eq "${pending[0].id}" and status eq "PENDING_ACTIVATION"`), [pending[0]])
  t.same(users('active eq false'), org.users.filter(x => !x.active))
  t.same(users('userName co "+"'), org.users.filter(x => x.userName.includes('+')))
  t.same(users('userName sw "a"'), org.users.filter(x => x.userName.toLowerCase().startsWith('a')))
  t.same(users('externalId pr'), org.users.filter(x => x.externalId !== undefined))
  t.same(users('not (externalId pr)'), org.users.filter(x => x.externalId === undefined))
  t.same(users(`emails.value eq "${u.workEmail}"`), org.users.filter(x => x.workEmail === u.workEmail || x.homeEmail === u.workEmail))
  t.same(users(`organizationId eq "${org.organizationId}"`).length, 400)
  t.same(users(`displayName eq "${u.givenName} ${u.familyName}"`), org.users.filter(x => x.givenName === u.givenName && x.familyName === u.familyName))
  t.same(users('status eq "INACTIVE" or (status eq "PENDING_ACTIVATION" and active eq false)'), org.users.filter(x => x.status !== 'ACTIVE'))
  t.same(users('roles.value eq "ADMIN"'), org.users.filter(x => x.roles.includes('ADMIN')))
})

t.test('group filters', async t => {
  const g = org.groups[3]
  const groups = (f: string) => org.groups.filter(x => parseGroupFilter(f)(x, org.organizationId))
  t.same(groups(`organizationId eq "${org.organizationId}"`), org.groups)
  t.same(groups(`urn:zuora:scim:schemas:1.0:GroupExtension:organizationId eq "${org.organizationId}"`), org.groups)
  t.same(groups(`displayName eq "${g.displayName}"`), [g])
  t.same(groups('active eq true'), org.groups.filter(x => x.active))
})

t.test('invalid filters throw FilterError', async t => {
  for (const f of ['userName gt', 'nickName eq "x"', 'userName xx "a"', 'emails[type eq "work"]', '(userName eq "a"', 'userName eq "a" and', 'userName eq "unterminated']) {
    t.throws(() => parseUserFilter(f), FilterError, f)
  }
})

t.test('filter over HTTP, 400 invalidFilter', async t => {
  const s = await sim(t, { users: 120, groups: 5, seed: 4 })
  const tok = await token(s)
  const target = s.control.users()[50]
  const r = await get(s, `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${target.userName}"`)}`, tok)
  t.equal(r.json.totalResults, 1)
  t.equal(r.json.resources[0].id, target.id)
  const none = await get(s, `/scim/v2/Users?filter=${encodeURIComponent('userName eq "nobody"')}`, tok)
  t.equal(none.json.totalResults, 0)
  t.same(none.json.resources, [])
  const bad = await get(s, `/scim/v2/Users?filter=${encodeURIComponent('title eq "x"')}`, tok)
  t.equal(bad.status, 400)
  t.same(bad.json.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error'])
  t.equal(bad.json.status, '400')
  t.equal(bad.json.scimType, 'invalidFilter')
  const groups = await get(s, `/scim/v2/Groups?count=100&filter=${encodeURIComponent(`organizationId eq "${s.control.organizationId}"`)}`, tok)
  t.equal(groups.json.totalResults, 5)
  const inactive = await get(s, `/scim/v2/Users?count=100&filter=${encodeURIComponent('active eq false')}`, tok)
  t.equal(inactive.json.totalResults, s.control.users().filter(u => !u.active).length)
})
