import { isDeepStrictEqual } from 'node:util'
import t from 'tap'
import { decodeSnapshotStream, encodeSnapshotFile, snapshotLines } from '#src/sync/snapshot-file.ts'
import { testSnapshot } from '../fixtures.ts'

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
  t.equal([...snapshotLines(empty)].join('').split('\n').length, 2)
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
