/** What the status page is built from: the snapshot's aggregate counts and the finished jobs, nothing more. */
import t from 'tap'
import { snapshotCounts, statusView } from '#src/api/status-page.ts'
import { testSnapshot } from '../helper.ts'
import { injectTestApp } from '../routes/inject.ts'

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
