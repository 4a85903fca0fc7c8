import { isDeepStrictEqual } from 'node:util'
import t from 'tap'
import { decodeSnapshotFileV1, decodeSnapshotStream, encodeSnapshotFile } from '#src/sync/snapshot-file.ts'
import { testSnapshot, v1SnapshotFile } from '../fixtures.ts'

const decodeSnapshotFile = async (data: Buffer) => await decodeSnapshotStream((async function * () { yield data })())

t.test('decodes the encoding whatever the chunk boundaries', async t => {
  const persisted = testSnapshot({ users: 12, groups: 2 }).toPersisted()
  const bytes = encodeSnapshotFile(persisted)
  t.ok(isDeepStrictEqual(await decodeSnapshotFile(bytes), persisted), 'one chunk')
  for (const size of [1, 7, 100]) {
    const chunks = (async function * () { for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size) })()
    t.ok(isDeepStrictEqual(await decodeSnapshotStream(chunks), persisted), `chunks of ${size} bytes`)
  }
})

t.test('an empty directory is a header and a trailer', async t => {
  const p = testSnapshot({ users: 1, groups: 0 }).toPersisted()
  const empty = { ...p, directory: { ...p.directory, users: [], groups: [] } }
  t.equal(encodeSnapshotFile(empty).toString().split('\n').length, 3, 'two lines and the final newline')
  t.same(await decodeSnapshotFile(encodeSnapshotFile(empty)), empty)
})

t.test('what is wrong is said', async t => {
  const bytes = encodeSnapshotFile(testSnapshot({ users: 3, groups: 1 }).toPersisted())
  await t.rejects(decodeSnapshotFile(bytes.subarray(0, -1)), /no newline \(file truncated\)/)
  const wrongCount = Buffer.from(bytes.toString().replace(/"bytes":\d+/, '"bytes":1'))
  await t.rejects(decodeSnapshotFile(wrongCount), /the trailer counts 1 bytes/)
  const header = JSON.parse(bytes.toString().split('\n')[0] as string)
  await t.rejects(decodeSnapshotFile(Buffer.from(JSON.stringify({ ...header, counts: { users: -1, groups: 0 } }) + '\n')), /no valid record counts/)
  await t.rejects(decodeSnapshotFile(Buffer.from(JSON.stringify({ ...header, snapshot: { format: 'other' } }) + '\n')), /no zuora-c1-snapshot v1 document/)
  await t.rejects(decodeSnapshotFile(Buffer.from(bytes.toString().replace(/[^\n]*\n$/, '{"sha256":1}\n'))), /the trailer line is not a checksum/)
})

t.test('records serialised earlier are reused as they are: the same bytes', async t => {
  const persisted = testSnapshot({ users: 12, groups: 2 }).toPersisted()
  const { users, groups } = persisted.directory
  const lines = new Map<object, string>([...users.slice(0, 5), groups[0]].map(r => [r, JSON.stringify(r)]))
  t.same(encodeSnapshotFile(persisted, lines), encodeSnapshotFile(persisted))
  // what is in the map is what is written: the engine only puts JSON.stringify of the very object there
  const marked = new Map<object, string>([[users[0], '{"marked":1}']])
  t.match(encodeSnapshotFile(persisted, marked).toString('utf8').split('\n')[1], '{"marked":1}')
})

t.test('reads a version 1 file, says what is wrong with a bad one', async t => {
  const persisted = testSnapshot({ users: 4 }).toPersisted()
  const file = v1SnapshotFile(persisted)
  t.equal(file.indexOf(0x0a), 127, 'the old fixed-width checksum line')
  t.same(decodeSnapshotFileV1(file), persisted)
  t.throws(() => decodeSnapshotFileV1(file.subarray(0, -3)), /expected \d+ bytes of snapshot, found \d+/)
  const flipped = Buffer.from(file)
  flipped[flipped.length - 3] ^= 1
  t.throws(() => decodeSnapshotFileV1(flipped), /checksum mismatch/)
  t.throws(() => decodeSnapshotFileV1(Buffer.from('garbage')), /no v1 checksum line/)
  t.throws(() => decodeSnapshotFileV1(Buffer.from('{"x":1}\n{}')), /not a zuora-c1 snapshot header/)
})

t.test('a checksum line that lost its newline (10 MB or more) is read; one that lost more (100 MB) is rejected', async t => {
  const persisted = testSnapshot({ users: 2 }).toPersisted()
  const body = JSON.stringify(persisted)
  const line = (bytes: number): string => JSON.stringify({ format: 'zuora-c1-snapshot-file', sha256: 'x'.repeat(64), bytes })
  t.equal(line(10_000_000).length, 128, 'an 8-digit size fills the 128 bytes')
  t.equal(line(100_000_000).length, 129, 'a 9-digit size overflows them')
  const overflowed = Buffer.from(JSON.stringify({ format: 'zuora-c1-snapshot-file', sha256: 'y'.repeat(64), bytes: 100_000_000 }).slice(0, 128) + body)
  t.throws(() => decodeSnapshotFileV1(overflowed), /a v1 file of 100 MB or more/)
})
