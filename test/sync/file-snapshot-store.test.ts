import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createFileSnapshotStore, decodeSnapshotFile, encodeSnapshotFile, snapshotFileName, snapshotJsonChunks } from '../../src/sync/file-snapshot-store.ts'
import { testSnapshot } from '../fixtures.ts'

async function tempDir (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'store-test-'))
  return dir
}

t.test('saves atomically, keeps the two newest, loads them back', async t => {
  const dir = await tempDir()
  const store = createFileSnapshotStore(join(dir, 'nested'))
  t.same(await store.load(), { rejected: [] }, 'an absent directory is an empty store')
  const [a, b, c] = [testSnapshot({ users: 4 }), testSnapshot({ users: 5 }), testSnapshot({ users: 6 })]
  for (const s of [a, b, c]) await store.save(s.toPersisted())
  const files = await readdir(join(dir, 'nested'))
  t.same(files.sort(), [snapshotFileName(b.syncId), snapshotFileName(c.syncId)].sort())
  const loaded = await store.load()
  t.same(loaded.current, c.toPersisted())
  t.same(loaded.previous, b.toPersisted())
  t.same(loaded.rejected, [])
})

t.test('truncated, corrupt or renamed files are rejected and never served', async t => {
  const dir = await tempDir()
  const store = createFileSnapshotStore(dir)
  const [a, b] = [testSnapshot({ users: 4 }), testSnapshot({ users: 5 })]
  await store.save(a.toPersisted())
  await store.save(b.toPersisted())
  const newest = join(dir, snapshotFileName(b.syncId))
  const bytes = await readFile(newest)
  await writeFile(newest, bytes.subarray(0, bytes.length - 10))
  const loaded = await store.load()
  t.same(loaded.current, a.toPersisted(), 'falls back to the older good file')
  t.equal(loaded.rejected.length, 1)
  t.match(loaded.rejected[0]?.reason, /truncated/)

  const flipped = Buffer.from(bytes)
  flipped[flipped.length - 5] ^= 1
  t.throws(() => decodeSnapshotFile(flipped), /checksum mismatch/)
  t.throws(() => decodeSnapshotFile(Buffer.from('garbage')), /no checksum line/)
  t.throws(() => decodeSnapshotFile(Buffer.from('{"x":1}\n{}')), /header/)
  t.same(decodeSnapshotFile(encodeSnapshotFile(a.toPersisted())), a.toPersisted())
})

t.test('refuses to save a malformed sync id', async t => {
  const store = createFileSnapshotStore(await tempDir())
  const p = testSnapshot({ users: 2 }).toPersisted()
  await t.rejects(store.save({ ...p, meta: { ...p.meta, syncId: '../evil' } }), /malformed sync id/)
})

t.test('the streamed file equals the in-memory encoding, and the chunks join to JSON.stringify', async t => {
  const dir = await tempDir()
  const store = createFileSnapshotStore(dir)
  const s = testSnapshot({ users: 30, groups: 3 })
  await store.save(s.toPersisted())
  const written = await readFile(join(dir, snapshotFileName(s.syncId)))
  t.ok(written.equals(encodeSnapshotFile(s.toPersisted())), 'byte-identical')
  t.same(JSON.parse([...snapshotJsonChunks(s.toPersisted())].join('')), s.toPersisted())
  t.equal(written.indexOf(0x0a), 127, 'fixed-width checksum line')
})
