/**
 * GET / through app.inject: public HTML under helmet's CSP, the counts of the snapshot served and the last sync; and
 * what the page is built from: the snapshot's aggregate counts and the finished jobs, nothing more.
 */
import t from 'tap'
import { snapshotCounts, statusView } from '#src/api/status-page.ts'
import { testSnapshot } from '../helper.ts'
import { injectStack, injectTestApp } from './inject.ts'

t.test('GET / is a public HTML page with the snapshot counts, under the CSP', async t => {
  const snapshot = testSnapshot({ users: 12, groups: 3 })
  const app = await injectTestApp({ snapshot, t })
  const res = await app.request('/', { token: null })
  t.equal(res.status, 200, 'no token needed')
  t.match(res.headers.get('content-type'), /^text\/html; charset=utf-8/)
  t.match(res.headers.get('content-security-policy'), /script-src 'self'/)
  t.equal(res.headers.get('cache-control'), 'no-store')
  const html = await res.text()
  const counts = snapshotCounts(snapshot, 0)
  t.match(html, `<code id="sync-id">${snapshot.syncId}</code>`)
  t.match(html, `<dd id="count-users">${counts.users}</dd>`)
  t.match(html, `<dd id="count-groups">${counts.groups}</dd>`)
  t.match(html, `<dd id="count-grants">${counts.grants.toLocaleString('en-US')}</dd>`)
  t.notMatch(html, new RegExp(app.token), 'never a secret')
  t.notMatch(html, /@/, 'no user data (no email address)')
})

t.test('before any snapshot the page still answers 200 and says not ready', async t => {
  const app = await injectTestApp({ startSync: false, t })
  const res = await app.request('/', { token: null })
  t.equal(res.status, 200)
  const html = await res.text()
  t.match(html, /not ready/)
  t.match(html, /No snapshot yet/)
})

t.test('after a sync against the simulator it lists that sync with its outcome', async t => {
  const stack = await injectStack({ t })
  const job = stack.app.syncEngine.lastFinished()
  const html = await (await stack.request('/', { token: null })).text()
  t.ok(job)
  t.match(html, `<code>${job!.id}</code>`)
  t.match(html, /class="outcome">succeeded</)
  t.match(html, '<dd id="count-users">50</dd>')
})

t.test('snapshotCounts takes the snapshot stats', async t => {
  const snapshot = testSnapshot({ users: 20, groups: 4 })
  const counts = snapshotCounts(snapshot, 7)
  t.equal(counts.syncId, snapshot.syncId)
  t.equal(counts.ageSeconds, 7)
  t.equal(counts.users, 20)
  t.equal(counts.groups, 4)
  t.equal(counts.roles, snapshot.stats.resources.role)
  t.equal(counts.grants, snapshot.stats.grants)
  t.same(Object.keys(counts.findings).sort(), ['membershipOnlyInGroup', 'membershipOnlyInUser', 'unknownGroups', 'unknownMembers'])
})

t.test('statusView mirrors the readiness verdict', async t => {
  const snapshot = testSnapshot({ users: 3, groups: 1 })
  const app = await injectTestApp({ snapshot, t })
  const view = statusView(app.app, Date.parse(snapshot.snapshotAt) + 5000)
  t.equal(view.ready, true)
  t.match(view.reason, snapshot.syncId)
  t.equal(view.snapshot?.ageSeconds, 5)
  t.equal(view.running, null)
  t.same(view.jobs, [], 'no sync ran in this app')
})
