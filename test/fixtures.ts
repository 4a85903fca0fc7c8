/**
 * Pure fixtures (no app, no HTTP): directories and snapshots from the simulator's seeded org.
 */
import { createHash } from 'node:crypto'
import { normaliseGroup, normaliseUser } from '#src/zuora/normalise.ts'
import type { Directory, DirectoryGroup, DirectoryUser } from '#src/directory/types.ts'
import { generateOrg } from '#simulator/index.ts'
import { renderGroup, renderUser } from '#simulator/scim-shapes.ts'
import { buildDirectory } from '#src/sync/snapshot-build.ts'
import { Snapshot } from '#src/sync/snapshot.ts'
import { newSyncId } from '#src/sync/sync-id.ts'
import type { PersistedSnapshot } from '#src/sync/types.ts'
import type { ScimGroup, ScimUser } from '#src/zuora/scim-schemas.ts'

/** A directory from the simulator's seeded org (same data the simulator serves with the same options). */
export function testDirectory (opts: { users?: number, groups?: number, seed?: number } = {}): { users: DirectoryUser[], groups: DirectoryGroup[] } {
  const org = generateOrg({ users: opts.users ?? 50, groups: opts.groups ?? 5, seed: opts.seed ?? 1 })
  const ctx = { organizationId: org.organizationId, locationBase: 'http://localhost:9900' }
  return {
    users: org.users.map((u) => normaliseUser(renderUser(u, ctx) as unknown as ScimUser)),
    groups: org.groups.map((g) => normaliseGroup(renderGroup(g, ctx) as unknown as ScimGroup))
  }
}

/** A snapshot of `directory` (built as a sync would), with a fresh sync id. */
export function snapshotOf (read: { users: readonly DirectoryUser[], groups: readonly DirectoryGroup[] }, at = Date.now()): Snapshot {
  const { directory, findings } = buildDirectory(read)
  return Snapshot.build({
    format: 'zuora-c1-snapshot',
    version: 1,
    meta: { syncId: newSyncId(at), snapshotAt: new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z'), tenant: '127.0.0.1', connectorVersion: 'test' },
    directory: directory as Directory,
    findings
  })
}

export function testSnapshot (opts: { users?: number, groups?: number, seed?: number } = {}): Snapshot {
  return snapshotOf(testDirectory(opts))
}


/**
 * A version 1 snapshot file as older releases wrote it: a checksum line padded to 128 bytes, then the JSON. From
 * 10,000,000 bytes of JSON on the line no longer fitted and its newline (and, from 100 MB, more) was cut off.
 */
export function v1SnapshotFile (persisted: PersistedSnapshot): Buffer {
  const body = Buffer.from(JSON.stringify(persisted), 'utf8')
  const header = `${JSON.stringify({ format: 'zuora-c1-snapshot-file', sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length }).padEnd(127, ' ')}\n`
  return Buffer.concat([Buffer.from(header, 'utf8').subarray(0, 128), body])
}
