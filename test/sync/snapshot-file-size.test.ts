/**
 * Snapshot files of real sizes round-trip through the file store: every size around the old header's width
 * (a body of 10,000,000 bytes or more did not fit the old 128-byte checksum line) and a 100k-user directory
 * (generated at test time, never committed).
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import t from 'tap'
import type { DirectoryUser } from '#src/directory/types.ts'
import { createFileSnapshotStore } from '#src/sync/file-snapshot-store.ts'
import type { PersistedSnapshot } from '#src/sync/types.ts'
import { testSnapshot, v1SnapshotFile } from '../fixtures.ts'

/** `base` with fewer users and one display name padded so that its JSON is exactly `bytes` long. */
function ofJsonSize (base: PersistedSnapshot, bytes: number): PersistedSnapshot {
  const withUsers = (u: readonly DirectoryUser[]): PersistedSnapshot => ({ ...base, directory: { ...base.directory, users: u } })
  // JSON size = the size with no users + each user's JSON + the commas between them.
  let size = Buffer.byteLength(JSON.stringify(withUsers([]))) - 1
  let n = 0
  for (const user of base.directory.users) {
    const next = size + 1 + Buffer.byteLength(JSON.stringify(user))
    if (next > bytes - 100) break
    size = next
    n++
  }
  const users = base.directory.users.slice(0, n)
  const first = users[0] as DirectoryUser
  const padded = withUsers([{ ...first, displayName: `${first.displayName ?? ''}${'x'.repeat(bytes - size)}` }, ...users.slice(1)])
  const actual = Buffer.byteLength(JSON.stringify(padded))
  if (actual !== bytes) throw new Error(`padding missed: ${actual} != ${bytes}`)
  return padded
}

t.test('every size around the old header width round-trips', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'snapshot-size-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const base = testSnapshot({ users: 20_000, groups: 40 }).toPersisted()
  for (const bytes of [9_999_871, 9_999_998, 9_999_999, 10_000_000, 10_000_001, 10_000_127, 10_000_128]) {
    const store = createFileSnapshotStore(join(dir, String(bytes)))
    const persisted = ofJsonSize(base, bytes)
    await store.save(persisted)
    const loaded = await store.load()
    t.same(loaded.rejected, [], `${bytes} bytes: nothing rejected`)
    t.ok(isDeepStrictEqual(loaded.current, persisted), `${bytes} bytes: read back whole`)
    // The same snapshot as an older release wrote it (version 1, the checksum line cut short from 10,000,000 bytes).
    const v1Dir = join(dir, `${bytes}-v1`)
    await mkdir(v1Dir)
    await writeFile(join(v1Dir, `snapshot-${persisted.meta.syncId}.json`), v1SnapshotFile(persisted))
    const old = await createFileSnapshotStore(v1Dir).load()
    t.same(old.rejected, [], `${bytes} bytes, v1 file: nothing rejected`)
    t.ok(isDeepStrictEqual(old.current, persisted), `${bytes} bytes, v1 file: read back whole`)
  }
})

t.test('a 100k-user snapshot round-trips', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'snapshot-100k-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const persisted = testSnapshot({ users: 100_000, groups: 2_000 }).toPersisted()
  const store = createFileSnapshotStore(dir)
  await store.save(persisted)
  const loaded = await store.load()
  t.same(loaded.rejected, [], 'nothing rejected')
  t.equal(loaded.current?.directory.users.length, 100_000)
  t.ok(isDeepStrictEqual(loaded.current, persisted), 'read back whole')
})
