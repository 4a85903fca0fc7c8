/**
 * The standards flavour: Resources, item-index Groups, a page cap below the requested count, a Basic-only token
 * endpoint, RFC 7643 typed memberships with nested groups and indirect groups[] entries.
 */
import t from 'tap'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '#simulator/index.ts'
import { form, get, one, sim } from './helpers.ts'

const basic = `Basic ${Buffer.from(`${SIM_CLIENT_ID}:${SIM_CLIENT_SECRET}`).toString('base64')}`

t.test('token endpoint: HTTP Basic only', async t => {
  const s = await sim(t, { flavor: 'standard', users: 5, groups: 2 })
  const post = await fetch(`${s.url}/oauth2/token`, { method: 'POST', body: form() })
  t.equal(post.status, 401)
  t.match(await post.json(), { error: 'invalid_client', error_description: /HTTP Basic/ })
  const wrong = await fetch(`${s.url}/oauth2/token`, { method: 'POST', headers: { authorization: `Basic ${Buffer.from(`${SIM_CLIENT_ID}:nope`).toString('base64')}` }, body: new URLSearchParams({ grant_type: 'client_credentials' }) })
  t.equal(wrong.status, 401)
  const ok = await fetch(`${s.url}/oauth2/token`, { method: 'POST', headers: { authorization: basic }, body: new URLSearchParams({ grant_type: 'client_credentials' }) })
  t.equal(ok.status, 200)
})

t.test('listing: Resources, item-index Groups, count capped below 100', async t => {
  const s = await sim(t, { flavor: 'standard', users: 120, groups: 250 })
  const tok = ((await (await fetch(`${s.url}/oauth/token`, { method: 'POST', headers: { authorization: basic }, body: new URLSearchParams({ grant_type: 'client_credentials' }) })).json()) as { access_token: string }).access_token
  const g1 = await get(s, '/scim/v2/Groups?startIndex=1&count=100', tok)
  t.equal(g1.json.Resources.length, 40, 'capped at 40')
  t.equal(g1.json.resources, undefined)
  const g2 = await get(s, '/scim/v2/Groups?startIndex=2&count=2', tok)
  t.same(g2.json.Resources.map((g: { id: string }) => g.id), g1.json.Resources.slice(1, 3).map((g: { id: string }) => g.id), 'item index')
  const u1 = await get(s, '/scim/v2/Users?startIndex=1&count=100', tok)
  t.equal(u1.json.Resources.length, 50)
})

t.test('memberships: nested groups in members, indirect entries in groups[], consistent with control', async t => {
  const s = await sim(t, { flavor: 'standard', users: 300, groups: 40 })
  const nestedParents = s.control.groups().filter(g => (g.memberGroups ?? []).length > 0)
  t.ok(nestedParents.length >= 3, 'some groups have nested groups')
  const tok = ((await (await fetch(`${s.url}/oauth/token`, { method: 'POST', headers: { authorization: basic }, body: new URLSearchParams({ grant_type: 'client_credentials' }) })).json()) as { access_token: string }).access_token
  const parent = nestedParents[0]!
  const g = await one(s, 'Groups', parent.id, tok)
  const members = g.members as Array<{ value: string, type?: string, $ref?: string }>
  t.same(members.filter(m => m.type === 'User').map(m => m.value), parent.members)
  const groupMembers = members.filter(m => m.$ref?.includes('/Groups/') === true)
  t.same(groupMembers.map(m => m.value), parent.memberGroups)
  if (groupMembers.length > 1) t.equal(groupMembers[1]?.type, undefined, 'a nested group given by $ref alone')
  const child = s.control.group(parent.memberGroups![0]!)!
  const userId = child.members[0]
  if (userId !== undefined) {
    const u = await one(s, 'Users', userId, tok)
    const entries = u.groups as Array<{ value: string, type: string }>
    t.ok(entries.some(e => e.value === child.id && e.type === 'direct'))
    t.ok(entries.some(e => e.value === parent.id && e.type === 'indirect') || s.control.user(userId)!.groups.includes(parent.id))
  }
})

t.test('the zuora flavour is unchanged: no nesting, untyped memberships, form-body tokens', async t => {
  const s = await sim(t, { users: 50, groups: 40 })
  t.ok(s.control.groups().every(g => g.memberGroups === undefined))
  t.equal(s.control.settings().tokenClientAuth, 'post')
  t.equal(s.control.settings().rfcMemberships, false)
})
