import { testDirectory } from '../../test/fixtures.ts'
import { buildDirectory } from '../../src/sync/snapshot-build.ts'
import { Snapshot } from '../../src/sync/snapshot.ts'
import { newSyncId } from '../../src/sync/sync-id.ts'
import { encodeSnapshotFile } from '../../src/sync/file-snapshot-store.ts'
const gc = (globalThis as any).gc as () => void
const mb = (n: number) => (n / 1048576).toFixed(0) + ' MB'
const m = (l: string) => { gc(); const u = process.memoryUsage(); console.log(l.padEnd(28), 'heap', mb(u.heapUsed), 'ext', mb(u.external + u.arrayBuffers), 'rss', mb(u.rss)) }
m('start')
let d: any = testDirectory({ users: 100000, groups: 2000, seed: 42 }); m('directory (read result)')
let b: any = buildDirectory(d); m('+ buildDirectory')
let s: any = Snapshot.build({ format: 'zuora-c1-snapshot', version: 1, meta: { syncId: newSyncId(Date.now()), snapshotAt: '2026-01-01T00:00:00Z', tenant: 'x', connectorVersion: 'b' }, directory: b.directory, findings: b.findings }); m('+ Snapshot')
d = undefined; m('read result dropped')
let enc: any = encodeSnapshotFile(s.toPersisted()); m('+ encoded file buffer')
enc = undefined; m('encoded dropped')
// walk all sections as NDJSON would
let n = 0; for (const name of ['resourceTypes', 'resources', 'entitlements', 'grants'] as const) { const sec = s.section(name); for (let i = 0; i < sec.length; i += 1000) n += sec.slice(i, i + 1000).length } m(`after walking ${n} items`)
const j = JSON.stringify(s.toPersisted()); console.log('json length', j.length, 'one-byte?', !/[^\x00-\xff]/.test(j))
