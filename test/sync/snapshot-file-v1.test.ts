import t from 'tap'
import { decodeSnapshotFileV1 } from '#src/sync/snapshot-file-v1.ts'
import { testSnapshot, v1SnapshotFile } from '../fixtures.ts'

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
