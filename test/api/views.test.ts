/**
 * Views: user filters, filtered sequences, page slicing and the view cache (pure; no app).
 */
import t from 'tap'
import { userStatus } from '#src/c1/mapping.ts'
import type { DirectoryUser } from '#src/directory/types.ts'
import { seqFromArray, seqOf } from '#src/sync/seq.ts'
import {
  createViewCache, isEmptyFilter, pickSeq, slicePage, userMatches, usersScope
} from '#src/api/views.ts'
import type { UserFilter } from '#src/api/views.ts'
import { testSnapshot } from '../fixtures.ts'

const user = (over: Partial<DirectoryUser>): DirectoryUser => ({
  id: 'u1', userName: 'ada@example.com', emails: [], roles: [], groups: [], ...over
})

t.test('userMatches', async (t) => {
  const ada = user({
    displayName: 'Ada Lovelace',
    status: 'ACTIVE',
    active: true,
    roles: ['ADMIN', 'USER'],
    emails: [{ value: 'Ada.Work@Example.com', primary: true }]
  })
  const bob = user({ id: 'u2', userName: 'bob', status: 'PENDING_ACTIVATION', roles: ['USER'] })
  t.ok(userMatches(ada, {}))
  t.ok(userMatches(ada, { status: 'enabled' }))
  t.notOk(userMatches(ada, { status: 'disabled' }))
  t.ok(userMatches(bob, { status: 'disabled' }), 'pending activation is disabled')
  t.ok(userMatches(ada, { role: 'ADMIN' }))
  t.notOk(userMatches(bob, { role: 'ADMIN' }))
  t.notOk(userMatches(ada, { role: 'admin' }), 'role ids are exact')
  t.ok(userMatches(ada, { q: 'LOVELACE' }), 'displayName, case-insensitive')
  t.ok(userMatches(ada, { q: 'ada@EX' }), 'userName')
  t.ok(userMatches(ada, { q: 'work@' }), 'email')
  t.notOk(userMatches(ada, { q: 'bob' }))
  t.ok(userMatches(bob, { q: 'BOB', role: 'USER', status: 'disabled' }), 'all filters')
  t.notOk(userMatches(bob, { q: 'BOB', role: 'USER', status: 'enabled' }), 'all filters must hold')
})

t.test('usersScope and isEmptyFilter', async (t) => {
  t.equal(usersScope({}), 'users?status=&role=&q=')
  t.equal(usersScope({ q: 'Ada' }), usersScope({ q: 'ada' }), 'q is case-insensitive')
  t.not(usersScope({ role: 'A&q=b' }), usersScope({ role: 'A', q: 'b' }), 'values cannot forge another filter')
  t.ok(isEmptyFilter({}))
  t.ok(isEmptyFilter({ status: undefined, role: undefined, q: undefined }))
  t.notOk(isEmptyFilter({ q: 'x' }))
})

t.test('filtered user indexes on a seeded snapshot', async (t) => {
  const snapshot = testSnapshot({ users: 50 })
  const users = snapshot.directory.users
  const filterUserIndexes = (list: readonly DirectoryUser[], f: UserFilter) => createViewCache().userIndexes(snapshot.syncId, list, f)
  const enabled = filterUserIndexes(users, { status: 'enabled' })
  const disabled = filterUserIndexes(users, { status: 'disabled' })
  t.equal(enabled.length, snapshot.stats.usersByStatus.enabled)
  t.equal(disabled.length, snapshot.stats.usersByStatus.disabled)
  t.equal(enabled.length + disabled.length, users.length)
  t.same([...enabled], [...enabled].sort((a, b) => a - b), 'id order kept')
  for (const i of disabled) t.equal(userStatus(users[i] as DirectoryUser).resource, 'RESOURCE_STATUS_DISABLED')
  const admins = filterUserIndexes(users, { role: 'ADMIN' })
  t.equal(admins.length, snapshot.grantsOf('role', 'ADMIN')?.length, 'role filter = the role\'s grants')
})

t.test('pickSeq', async (t) => {
  const base = seqOf(10, (i) => `item${i}`)
  const picked = pickSeq(base, Uint32Array.from([1, 3, 8]))
  t.equal(picked.length, 3)
  t.equal(picked.at(2), 'item8')
  t.same(picked.slice(0, 10), ['item1', 'item3', 'item8'])
  t.same(picked.slice(1, 2), ['item3'])
  t.same(picked.slice(5, 9), [])
  t.throws(() => picked.at(3), RangeError)
})

t.test('slicePage walks every item once', async (t) => {
  const seq = seqFromArray(Array.from({ length: 23 }, (_, i) => i))
  const seen: number[] = []
  let offset = 0
  let pages = 0
  for (;;) {
    const { items, end, total } = slicePage(seq, offset, 5)
    t.equal(total, 23)
    seen.push(...items)
    pages++
    if (end >= total) break
    offset = end
  }
  t.equal(pages, 5)
  t.same(seen, Array.from({ length: 23 }, (_, i) => i))
  t.same(slicePage(seqFromArray([]), 0, 5), { items: [], end: 0, total: 0 })
  t.same(slicePage(seq, 23, 5), { items: [], end: 23, total: 23 })
})

t.test('view cache', async (t) => {
  const cache = createViewCache({ maxIndexes: 2, maxPages: 2 })
  const users = testSnapshot({ users: 20 }).directory.users
  const a = cache.userIndexes('s1', users, { status: 'enabled' })
  t.equal(cache.userIndexes('s1', users, { status: 'enabled' }), a, 'computed once per (syncId, filter)')
  t.not(cache.userIndexes('s2', users, { status: 'enabled' }), a, 'per snapshot')
  let builds = 0
  const build = () => { builds++; return `body${builds}` }
  const first = cache.page('s1', 'k', build)
  t.equal(first.toString(), 'body1')
  t.equal(cache.page('s1', 'k', build), first, 'cached')
  t.equal(builds, 1)
  t.equal(cache.page('s2', 'k', build).toString(), 'body2', 'per snapshot')
  cache.page('s3', 'k', build)
  t.equal(cache.size.pages, 2, 'bounded')
  cache.clear()
  t.same(cache.size, { indexes: 0, pages: 0 })
})
