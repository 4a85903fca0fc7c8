import t from 'tap'
import { get, one, sim, token, walk } from './helpers.ts'

t.test('hugePage pads list pages to many MB', async t => {
  const s = await sim(t, { users: 10, groups: 1, hostile: { hugePage: 5_000_000 } })
  const tok = await token(s)
  const r = await get(s, '/scim/v2/Users', tok)
  t.ok(r.text.length > 5_000_000, `${r.text.length} bytes`)
  t.equal(r.json.resources.length, 10, 'still a valid page')
})

t.test('deepNesting puts a deeply nested object in a user', async t => {
  const s = await sim(t, { users: 3, groups: 1, hostile: { deepNesting: 3000 } })
  const tok = await token(s)
  const r = await get(s, '/scim/v2/Users', tok)
  t.ok(r.text.includes('{"a":'.repeat(3000)))
  let depth = 0
  let node = r.json.resources[0]['urn:sim:nested']
  while (node !== null && typeof node === 'object') { node = node.a; depth++ }
  t.equal(depth, 3000)
  t.notOk('urn:sim:nested' in r.json.resources[1], 'only the first user of a page')
})

t.test('wrongTypes: roles as a string and active as "yes"', async t => {
  const s = await sim(t, { users: 200, groups: 1, hostile: { wrongTypes: true } })
  const tok = await token(s)
  const page = (await get(s, '/scim/v2/Users?count=100', tok)).json.resources as Array<Record<string, unknown> & { id: string }>
  const bad = page.filter(u => u.id.endsWith('0'))
  t.ok(bad.length > 0)
  for (const u of bad) {
    t.type(u.roles, 'string')
    t.equal(u.active, 'yes')
  }
  t.ok(page.filter(u => !u.id.endsWith('0')).every(u => Array.isArray(u.roles) && typeof u.active === 'boolean'))
  const chosen = s.control.users()[5].id
  s.control.set({ hostile: { wrongTypes: [chosen] } })
  t.equal((await one(s, 'Users', chosen, tok)).active, 'yes')
})

t.test('duplicateIds repeats users across pages; every user still appears', async t => {
  const s = await sim(t, { users: 450, groups: 1, hostile: { duplicateIds: true } })
  const tok = await token(s)
  const ids = await walk(s, tok, 'Users', 100, 'item')
  const unique = new Set(ids)
  t.ok(ids.length > unique.size, `${ids.length - unique.size} duplicates`)
  t.same([...unique].sort(), s.control.users().map(u => u.id))
  const total = (await get(s, '/scim/v2/Users?count=0', tok)).json.totalResults
  t.equal(total, ids.length, 'totalResults counts the duplicated listing')
})

t.test('totalResultsLie and redirect', async t => {
  const s = await sim(t, { users: 40, groups: 3, hostile: { totalResultsLie: 25 } })
  const tok = await token(s)
  t.equal((await get(s, '/scim/v2/Users', tok)).json.totalResults, 65)
  t.equal((await get(s, '/scim/v2/Groups', tok)).json.totalResults, 28)
  s.control.set({ hostile: { totalResultsLie: -30 } })
  const fewer = await get(s, '/scim/v2/Users', tok)
  t.equal(fewer.json.totalResults, 10)
  t.equal(fewer.json.resources.length, 40)
  s.control.set({ hostile: { redirect: 'http://elsewhere.invalid:9999' } })
  const r = await get(s, '/scim/v2/Users?count=5', tok)
  t.equal(r.status, 302)
  t.equal(r.headers.get('location'), 'http://elsewhere.invalid:9999/scim/v2/Users?count=5')
  s.control.set({ hostile: {} })
  t.equal((await get(s, '/scim/v2/Users', tok)).status, 200)
})
