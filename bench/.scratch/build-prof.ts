import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testDirectory } from '../../test/fixtures.ts'
import { buildDirectory } from '../../src/sync/snapshot-build.ts'
import { Snapshot } from '../../src/sync/snapshot.ts'
import { newSyncId } from '../../src/sync/sync-id.ts'
import { createFileSnapshotStore, encodeSnapshotFile } from '../../src/sync/file-snapshot-store.ts'
const d = testDirectory({ users: 100000, groups: 2000, seed: 42 })
for (let i = 0; i < 2; i++) {
let t = performance.now(); const lap = (l: string) => { const n = performance.now(); console.log(l, (n - t).toFixed(0), 'ms'); t = n }
const { directory, findings } = buildDirectory(d); lap('buildDirectory')
const s = Snapshot.build({ format: 'zuora-c1-snapshot', version: 1, meta: { syncId: newSyncId(Date.now()), snapshotAt: '2026-01-01T00:00:00Z', tenant: 'x', connectorVersion: 'b' }, directory, findings }); lap('Snapshot.build')
const p = s.toPersisted(); lap('toPersisted')
const json = JSON.stringify(p); lap(`stringify ${(json.length / 1e6).toFixed(1)} MB`)
const buf = encodeSnapshotFile(p); lap('encodeSnapshotFile (stringify+sha)')
const store = createFileSnapshotStore(await mkdtemp(join(tmpdir(), 'bp-'))); await store.save(p); lap('store.save')
}
