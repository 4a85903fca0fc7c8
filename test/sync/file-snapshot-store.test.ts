import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { createFileSnapshotStore, readSnapshotFile, snapshotFileName } from '#src/sync/file-snapshot-store.ts'
import { encodeSnapshotFile } from '#src/sync/snapshot-file.ts'
import { testSnapshot, v1SnapshotFile } from '../fixtures.ts'

async function tempDir (): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'store-test-'))
  return dir
}

t.test('saves atomically, keeps the two newest, loads the current one and the previous one on demand', async t => {
  const dir = await tempDir()
  const store = createFileSnapshotStore(join(dir, 'nested'))
  t.same(await store.load(), { rejected: [] }, 'an absent directory is an empty store')
  const [a, b, c] = [testSnapshot({ users: 4 }), testSnapshot({ users: 5 }), testSnapshot({ users: 6 })]
  for (const s of [a, b, c]) await store.save(s.toPersisted())
  const files = await readdir(join(dir, 'nested'))
  t.same(files.sort(), [snapshotFileName(b.syncId), snapshotFileName(c.syncId)].sort())
  const loaded = await store.load()
  t.same(loaded.current, c.toPersisted())
  t.same(loaded.rejected, [])
  t.same(await loaded.loadPrevious?.(), { previous: b.toPersisted(), rejected: [] }, 'the previous one, read when asked')
})

t.test('a single snapshot has no previous one to load', async t => {
  const store = createFileSnapshotStore(await tempDir())
  await store.save(testSnapshot({ users: 3 }).toPersisted())
  t.equal((await store.load()).loadPrevious, undefined)
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
  t.equal(loaded.loadPrevious, undefined, 'nothing older than the fallback')
  t.equal(loaded.rejected.length, 1)
  t.match(loaded.rejected[0]?.reason, /truncated/)

  const file = join(dir, 'x.ndjson')
  const reject = async (data: Buffer | string, reason: RegExp, what: string): Promise<void> => {
    await writeFile(file, data)
    await t.rejects(readSnapshotFile(file), reason, what)
  }
  const flipped = Buffer.from(bytes)
  flipped[flipped.length - 200] ^= 1
  await reject(flipped, /checksum mismatch|not JSON/, 'a flipped bit')
  const lines = bytes.toString().split('\n')
  await reject(lines.slice(0, -2).join('\n') + '\n', /no trailer line/, 'the trailer cut off')
  await reject(lines.slice(0, 3).join('\n') + '\n', /expected \d+ records, found 2/, 'records cut off')
  await reject(bytes.toString() + '{}\n', /data after the trailer/, 'more after the trailer')
  await reject('', /empty file/, 'empty')
  await reject('garbage\n', /header line is not JSON/, 'not a snapshot file')
  await reject('{"x":1}\n{}\n', /not a zuora-c1-snapshot-file v2 header/, 'another JSON file')

  const renamed = join(dir, snapshotFileName(b.syncId))
  await writeFile(renamed, encodeSnapshotFile(a.toPersisted()))
  t.match((await store.load()).rejected[0]?.reason, /file name does not match/)
})

t.test('version 1 files (older releases) are still read, including those whose checksum line overflowed', async t => {
  const dir = await tempDir()
  const old = testSnapshot({ users: 7 })
  await writeFile(join(dir, `snapshot-${old.syncId}.json`), v1SnapshotFile(old.toPersisted()))
  const loaded = await createFileSnapshotStore(dir).load()
  t.same(loaded.current, old.toPersisted())
  t.same(loaded.rejected, [])
  const store = createFileSnapshotStore(dir)
  const next = testSnapshot({ users: 8 })
  await store.save(next.toPersisted())
  const again = await store.load()
  t.same(again.current, next.toPersisted(), 'a v2 file written after it is newer')
  t.same((await again.loadPrevious?.())?.previous, old.toPersisted(), 'and the v1 file is the previous one')
})

t.test('temp files of interrupted writes are removed on load (only ours), and it is logged', async t => {
  const dir = await tempDir()
  const store0 = createFileSnapshotStore(dir)
  const s = testSnapshot({ users: 3 })
  await store0.save(s.toPersisted())
  const ours = [`${snapshotFileName(s.syncId)}.123.1700000000000.tmp`, `snapshot-${s.syncId}.json.9.1.tmp`]
  const others = ['notes.tmp', 'snapshot-short.ndjson.1.2.tmp', 'README']
  for (const name of [...ours, ...others]) await writeFile(join(dir, name), 'partial')
  const logs: Array<{ obj: object, msg?: string }> = []
  const store = createFileSnapshotStore(dir, { logger: { warn: () => {}, info: (obj, msg) => { logs.push({ obj, ...(msg !== undefined ? { msg } : {}) }) } } })
  t.same((await store.load()).current, s.toPersisted())
  t.same((await readdir(dir)).sort(), [snapshotFileName(s.syncId), ...others].sort(), 'only our temp files are gone')
  t.match(logs, [{ obj: { removed: 2 }, msg: /removed temp files/ }])
})

t.test('refuses to save a malformed sync id', async t => {
  const store = createFileSnapshotStore(await tempDir())
  const p = testSnapshot({ users: 2 }).toPersisted()
  await t.rejects(store.save({ ...p, meta: { ...p.meta, syncId: '../evil' } }), /malformed sync id/)
})

t.test('the streamed file equals the in-memory encoding: a header, a line per record, a trailer', async t => {
  const dir = await tempDir()
  const store = createFileSnapshotStore(dir)
  const s = testSnapshot({ users: 30, groups: 3 })
  await store.save(s.toPersisted())
  const written = await readFile(join(dir, snapshotFileName(s.syncId)))
  t.ok(written.equals(encodeSnapshotFile(s.toPersisted())), 'byte-identical')
  const lines = written.toString().split('\n')
  t.equal(lines.length, 1 + 30 + 3 + 1 + 1, 'header, 30 users, 3 groups, trailer, and the final newline')
  t.match(JSON.parse(lines[0] as string), { format: 'zuora-c1-snapshot-file', version: 2, counts: { users: 30, groups: 3 } })
  t.match(JSON.parse(lines[34] as string), { sha256: /^[0-9a-f]{64}$/, bytes: written.length - (lines[34] as string).length - 1 })
})
