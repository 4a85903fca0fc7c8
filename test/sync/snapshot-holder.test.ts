import t from 'tap'
import { createSnapshotHolder } from '#src/sync/snapshot-holder.ts'
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

t.test('adopt holds an older snapshot behind the current one, without publishing it', async t => {
  const holder = createSnapshotHolder({ keep: 3 })
  const published: string[] = []
  holder.onPublish((s) => { published.push(s.syncId) })
  const [a, b, c, d] = [testSnapshot({ users: 3 }), testSnapshot({ users: 3 }), testSnapshot({ users: 3 }), testSnapshot({ users: 3 })]
  holder.adopt(b)
  t.equal(holder.current(), b, 'with nothing held it is published')
  holder.publish(d)
  holder.adopt(a)
  holder.adopt(c)
  t.same(holder.all().map(s => s.syncId), [d.syncId, c.syncId, b.syncId], 'newest first; the oldest does not fit')
  holder.adopt(c)
  t.equal(holder.all().length, 3, 'adopting a held one is a no-op')
  t.same(published, [b.syncId, d.syncId])
})
