import { createHash } from 'node:crypto'
import { open, mkdtemp, readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { testDirectory } from '../../test/fixtures.ts'
import { buildDirectory } from '../../src/sync/snapshot-build.ts'
import { Snapshot } from '../../src/sync/snapshot.ts'
import { newSyncId } from '../../src/sync/sync-id.ts'
import { createFileSnapshotStore, decodeSnapshotFile } from '../../src/sync/file-snapshot-store.ts'
import type { PersistedSnapshot } from '../../src/sync/types.ts'
const mode = process.argv[2]
const d = testDirectory({ users: 100000, groups: 2000, seed: 42 })
const b = buildDirectory(d)
const s = Snapshot.build({ format: 'zuora-c1-snapshot', version: 1, meta: { syncId: newSyncId(Date.now()), snapshotAt: '2026-01-01T00:00:00Z', tenant: 'x', connectorVersion: 'b' }, directory: b.directory, findings: b.findings })
;(globalThis as any).gc()
const dir = await mkdtemp(join(tmpdir(), 'pp-'))
let peak = 0; const base = process.memoryUsage().rss
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss) }, 5)
const HEADER = 160
async function streamSave (p: PersistedSnapshot, file: string): Promise<void> {
  const h = await open(file, 'w', 0o600)
  const hash = createHash('sha256'); let bytes = 0; let pos = HEADER
  let buf: string[] = []; let len = 0
  const flush = async () => { if (buf.length === 0) return; const chunk = Buffer.from(buf.join(''), 'utf8'); buf = []; len = 0; hash.update(chunk); bytes += chunk.length; await h.write(chunk, 0, chunk.length, pos); pos += chunk.length }
  const put = async (str: string) => { buf.push(str); len += str.length; if (len > 1 << 20) await flush() }
  const arr = async (items: readonly unknown[]) => { await put('['); for (let i = 0; i < items.length; i++) await put((i > 0 ? ',' : '') + JSON.stringify(items[i])); await put(']') }
  const { directory, ...rest } = p
  await put(JSON.stringify({ format: p.format, version: p.version, meta: p.meta }).slice(0, -1) + ',"directory":{"users":')
  await arr(directory.users); await put(',"groups":'); await arr(directory.groups); await put(',"roles":' + JSON.stringify(directory.roles) + '},"findings":' + JSON.stringify(rest.findings) + '}')
  await flush()
  const header = JSON.stringify({ format: 'zuora-c1-snapshot-file', sha256: hash.digest('hex'), bytes }).padEnd(HEADER - 1) + '\n'
  await h.write(header, 0, 'utf8'); await h.sync(); await h.close()
}
const t0 = performance.now()
if (mode === 'stream') await streamSave(s.toPersisted(), join(dir, 'x.json'))
else await createFileSnapshotStore(dir).save(s.toPersisted())
const ms = performance.now() - t0
clearInterval(timer)
console.log(mode ?? 'current', 'persist', ms.toFixed(0), 'ms; rss base', (base / 1048576).toFixed(0), 'MB, peak +', ((peak - base) / 1048576).toFixed(0), 'MB')
if (mode === 'stream') { const back = decodeSnapshotFile(await readFile(join(dir, 'x.json'))); console.log('roundtrip equal:', JSON.stringify(back) === JSON.stringify(s.toPersisted())) }
