import t from 'tap'
import { createSnapshotHolder } from '../../src/sync/snapshot-holder.ts'
import { testSnapshot } from '../fixtures.ts'

t.test('holds the newest snapshots, current first', async t => {
  const holder = createSnapshotHolder({ keep: 2 })
  const published: string[] = []
  const off = holder.onPublish((s) => { published.push(s.syncId) })
  t.equal(holder.current(), undefined)
  const [a, b, c] = [testSnapshot({ users: 3 }), testSnapshot({ users: 3 }), testSnapshot({ users: 3 })]
  holder.publish(a)
  holder.publish(b)
  t.equal(holder.current(), b)
  t.equal(holder.get(a.syncId), a, 'previous kept for walks and diffs')
  holder.publish(b)
  t.same(published, [a.syncId, b.syncId], 'republishing the current one is a no-op')
  off()
  holder.publish(c)
  t.equal(holder.get(a.syncId), undefined, 'oldest evicted')
  t.same(holder.all().map(s => s.syncId), [c.syncId, b.syncId])
  t.same(published.length, 2, 'unsubscribed listener not called')
})
