import t from 'tap'
import { get, one, sim, token } from './helpers.ts'

t.test('control mutations show up in SCIM answers', async t => {
  const s = await sim(t, { users: 50, groups: 5, seed: 8 })
  const tok = await token(s)
  const c = s.control
  const added = c.addUser({ userName: 'new.person@example.com', givenName: 'New', familyName: 'Person', roles: ['USER', 'BILLING_ADMIN'] })
  const u = await one(s, 'Users', added.id, tok)
  t.equal(u.userName, 'new.person@example.com')
  t.same(u.roles, [{ value: 'USER', display: 'USER' }, { value: 'BILLING_ADMIN', display: 'BILLING_ADMIN' }])
  t.equal((await get(s, '/scim/v2/Users?count=0', tok)).json.totalResults, 51)
  t.same(c.users().map(x => x.id), c.users().map(x => x.id).sort(), 'still sorted by id')

  c.updateUser(added.id, { givenName: 'Renamed' })
  t.equal((await one(s, 'Users', added.id, tok)).name.givenName, 'Renamed')
  c.disableUser(added.id)
  const disabled = await one(s, 'Users', added.id, tok)
  t.equal(disabled.active, false)
  t.equal(disabled['urn:zuora:scim:schemas:1.0:UserExtension'].status, 'INACTIVE')
  c.setRoles(added.id, ['ADMIN'])
  t.same((await one(s, 'Users', added.id, tok)).roles, [{ value: 'ADMIN', display: 'ADMIN' }])

  const g = c.addGroup({ displayName: 'Auditors', description: 'external audit' })
  c.addMember(g.id, added.id)
  t.same((await one(s, 'Groups', g.id, tok)).members, [{ value: added.id }])
  t.same((await one(s, 'Users', added.id, tok)).groups, [{ value: g.id, display: '' }])
  c.removeMember(g.id, added.id)
  t.same((await one(s, 'Groups', g.id, tok)).members, [])
  t.notOk('groups' in await one(s, 'Users', added.id, tok))

  // one-sided membership (to test disagreement handling)
  const other = c.users()[0]
  c.addMember(g.id, other.id, 'group')
  t.same(c.group(g.id)!.members, [other.id])
  t.notOk(c.user(other.id)!.groups.includes(g.id))

  t.ok(c.removeGroup(g.id))
  t.notOk((await get(s, '/scim/v2/Groups?count=100', tok)).json.resources.some((x: { id: string }) => x.id === g.id), 'gone from the list')
  const member = c.users().find(x => x.groups.length > 0)!
  const itsGroup = member.groups[0]
  t.ok(c.removeUser(member.id))
  t.notOk((await get(s, '/scim/v2/Users?count=100', tok)).json.resources.some((x: { id: string }) => x.id === member.id), 'gone from the list')
  t.notOk(c.group(itsGroup)!.members.includes(member.id), 'removed from group members')
  t.notOk(c.removeUser(member.id))
  t.throws(() => c.updateUser('missing', { givenName: 'x' }))
})

t.test('mutateAfterPages produces totalResults drift mid-walk', async t => {
  const s = await sim(t, { users: 100, groups: 2, seed: 3 })
  const tok = await token(s)
  s.control.mutateAfterPages(2, c => {
    for (let i = 0; i < 5; i++) c.addUser({ userName: `late${i}@example.com` })
    c.removeUser(c.users()[99].id)
  })
  const totals: number[] = []
  for (let start = 1; start <= 100; start += 25) {
    totals.push((await get(s, `/scim/v2/Users?startIndex=${start}&count=25`, tok)).json.totalResults)
  }
  t.same(totals, [100, 100, 104, 104])
  t.equal(s.control.counters().pagesServed.users, 4)
})

t.test('reset restores the org and knobs', async t => {
  const s = await sim(t, { users: 20, groups: 2, seed: 5 })
  const tok = await token(s)
  const before = s.control.users().map(u => u.id)
  s.control.addUser()
  s.control.set({ listKey: 'Resources' })
  s.control.failNext(5, '500')
  s.control.reset()
  t.same(s.control.users().map(u => u.id), before)
  t.equal(s.control.settings().listKey, 'resources')
  t.equal((await get(s, '/scim/v2/Users', tok)).status, 200, 'faults cleared, token still valid')
  s.control.reset(6)
  t.notSame(s.control.users().map(u => u.id), before)
  t.equal(s.control.users().length, 20)
})

t.test('/_sim control routes', async t => {
  const s = await sim(t, { users: 10, groups: 2 })
  const tok = await token(s)
  const post = async (path: string, body?: unknown, method = 'POST') => {
    const r = await fetch(`${s.url}/_sim${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    return { status: r.status, json: await r.json() as any }
  }
  t.same((await get(s, '/_sim/health')).json, { ok: true })
  t.equal((await post('/options', { latencyMs: 1, usersStartIndex: 'page' })).json.usersStartIndex, 'page')
  t.equal((await post('/options', { listKey: 'bad' })).status, 400)
  t.equal((await get(s, '/_sim/options')).json.latencyMs, 1)
  t.equal((await post('/fail-next', { n: 1, kind: '502' })).status, 200)
  t.equal((await get(s, '/scim/v2/Users', tok)).status, 502)
  t.equal((await post('/fail-next', { kind: 'nope' })).status, 400)
  t.equal((await post('/fail-page', { resource: 'groups', page: 1, kind: '500' })).status, 200)
  t.equal((await get(s, '/scim/v2/Groups', tok)).status, 500)
  const created = (await post('/users', { userName: 'sim@example.com' })).json
  t.equal((await one(s, 'Users', created.id, tok)).userName, 'sim@example.com')
  t.equal((await post(`/users/${created.id}`, { familyName: 'Patched' }, 'PATCH')).json.familyName, 'Patched')
  t.same((await post(`/users/${created.id}/roles`, { roles: ['ADMIN'] }, 'PUT')).json.roles, ['ADMIN'])
  t.equal((await post(`/users/${created.id}/disable`)).json.status, 'INACTIVE')
  const group = (await post('/groups', { displayName: 'Ops' })).json
  t.equal((await post(`/groups/${group.id}/members`, { userId: created.id })).status, 200)
  t.same((await get(s, `/_sim/groups/${group.id}`)).json.members, [created.id])
  t.equal((await post(`/groups/${group.id}/members/${created.id}`, undefined, 'DELETE')).status, 200)
  t.same((await post(`/groups/${group.id}`, undefined, 'DELETE')).json, { removed: true })
  t.same((await post(`/users/${created.id}`, undefined, 'DELETE')).json, { removed: true })
  t.equal((await get(s, `/_sim/users/${created.id}`)).status, 404)
  const counters = (await get(s, '/_sim/counters')).json
  t.equal(counters.requests['users.list']['502'], 1)
  t.notOk(JSON.stringify(counters).includes('_sim'), 'control routes are not counted')
  t.equal((await post('/revoke')).json.revoked, 1)
  t.equal((await get(s, '/scim/v2/Users', tok)).status, 401)
  t.equal((await post('/counters/reset')).status, 200)
  t.equal((await get(s, '/_sim/counters')).json.totalRequests, 0)
  t.equal((await post('/reset', { seed: 77 })).status, 200)
  t.equal((await get(s, '/_sim/options')).json.usersStartIndex, 'item')
})
