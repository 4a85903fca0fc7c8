import t from 'tap'
import { resolvePage } from '#simulator/routes.ts'
import { get, sim, token, walk } from './helpers.ts'

t.test('resolvePage: item and page semantics, defaults, clamps', async t => {
  t.same(resolvePage({}, 'item', 100, 100), { startIndex: 1, count: 100, from: 0, page: 1 })
  t.same(resolvePage({ startIndex: '201', count: '100' }, 'item', 100, 100), { startIndex: 201, count: 100, from: 200, page: 3 })
  t.same(resolvePage({ startIndex: '2', count: '20' }, 'page', 10, 100), { startIndex: 2, count: 20, from: 20, page: 2 })
  t.same(resolvePage({ startIndex: '0', count: '-5' }, 'item', 100, 100), { startIndex: 1, count: 0, from: 0, page: 1 })
  t.same(resolvePage({ count: '5000' }, 'page', 10, 100).count, 100, 'clamped')
  t.same(resolvePage({ count: 'abc', startIndex: '' }, 'page', 10, 100), { startIndex: 1, count: 10, from: 0, page: 1 })
})

t.test('Users: item semantics cover every user exactly once', async t => {
  const s = await sim(t, { users: 537, groups: 3, seed: 5 })
  const tok = await token(s)
  const ids = await walk(s, tok, 'Users', 100, 'item')
  t.equal(ids.length, 537)
  t.same(ids, s.control.users().map(u => u.id), 'sorted by id, no gaps, no duplicates')
  const odd = await walk(s, tok, 'Users', 37, 'item')
  t.same(odd, ids)
  // startIndex=2 overlaps page 1 by count-1 (what a client detects)
  const p1 = await get(s, '/scim/v2/Users?startIndex=1&count=10', tok)
  const p2 = await get(s, '/scim/v2/Users?startIndex=2&count=10', tok)
  t.same(p2.json.resources.slice(0, 9).map((u: { id: string }) => u.id), p1.json.resources.slice(1).map((u: { id: string }) => u.id))
  t.equal(p1.json.totalResults, 537)
  t.equal(p2.json.startIndex, 2)
  t.equal(p2.json.itemsPerPage, 10)
})

t.test('Users: page semantics when configured', async t => {
  const s = await sim(t, { users: 250, groups: 0, usersStartIndex: 'page' })
  const tok = await token(s)
  const ids = await walk(s, tok, 'Users', 100, 'page')
  t.same(ids, s.control.users().map(u => u.id))
  t.equal((await get(s, '/scim/v2/Users?startIndex=3&count=100', tok)).json.resources.length, 50)
})

t.test('Groups: page semantics by default, default count 10, max 100', async t => {
  const s = await sim(t, { users: 50, groups: 233, seed: 9 })
  const tok = await token(s)
  const first = await get(s, '/scim/v2/Groups', tok)
  t.equal(first.json.resources.length, 10, 'default 10 per page')
  t.equal(first.json.itemsPerPage, 10)
  t.equal(first.json.totalResults, 233)
  const big = await get(s, '/scim/v2/Groups?count=500', tok)
  t.equal(big.json.resources.length, 100, 'count clamped to 100')
  const second = await get(s, '/scim/v2/Groups?count=20&startIndex=2', tok)
  const all = s.control.groups().map(g => g.id)
  t.same(second.json.resources.map((g: { id: string }) => g.id), all.slice(20, 40), 'count 20, startIndex 2 → 21st..40th')
  t.same(await walk(s, tok, 'Groups', 100, 'page'), all)
  t.same(await walk(s, tok, 'Groups', 7, 'page'), all)
})

t.test('Groups: item semantics when configured; Users clamp configurable', async t => {
  const s = await sim(t, { users: 1500, groups: 45, groupsStartIndex: 'item', usersMaxCount: 1000 })
  const tok = await token(s)
  t.same(await walk(s, tok, 'Groups', 10, 'item'), s.control.groups().map(g => g.id))
  t.equal((await get(s, '/scim/v2/Users?count=1000', tok)).json.resources.length, 1000)
  t.equal((await get(s, '/scim/v2/Users?count=5000', tok)).json.resources.length, 1000)
  t.equal((await get(s, '/scim/v2/Users', tok)).json.resources.length, 100, 'default stays 100')
})

t.test('count=0, past the end, listKey and omitPagingFields', async t => {
  const s = await sim(t, { users: 30, groups: 2 })
  const tok = await token(s)
  const zero = await get(s, '/scim/v2/Users?count=0', tok)
  t.equal(zero.json.totalResults, 30)
  t.same(zero.json.resources, [])
  const past = await get(s, '/scim/v2/Users?startIndex=500', tok)
  t.same(past.json.resources, [])
  s.control.set({ listKey: 'Resources', omitPagingFields: true })
  const rfc = await get(s, '/scim/v2/Users?count=5', tok)
  t.equal(rfc.json.Resources.length, 5)
  t.notOk('resources' in rfc.json)
  t.notOk('startIndex' in rfc.json)
  t.notOk('itemsPerPage' in rfc.json)
})
