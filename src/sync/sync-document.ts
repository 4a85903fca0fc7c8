/**
 * The whole snapshot in the shape of c1-model.md §7.2: pure functions over a Snapshot.
 * Pages cut one global sequence (resource types → resources → entitlements → grants), so a walk of
 * `GET /sync` visits every object exactly once, all from the same snapshot.
 */
import type { SectionName, Snapshot } from './snapshot.ts'

export const SYNC_SCHEMA = 'c1.connector.v2+json;v=1'
export const SECTIONS: readonly SectionName[] = ['resourceTypes', 'resources', 'entitlements', 'grants']

/** The parts every page (and the NDJSON header line) repeats. */
export function syncHeader (snapshot: Snapshot) {
  return {
    schema: SYNC_SCHEMA,
    syncId: snapshot.syncId,
    snapshotAt: snapshot.snapshotAt,
    syncType: 'full' as const,
    app: { displayName: 'Zuora', tenant: snapshot.meta.tenant, connectorVersion: snapshot.meta.connectorVersion },
    stats: snapshot.stats,
    integrity: snapshot.integrity
  }
}

export type SyncSections = Record<SectionName, object[]>

/** Items [offset, offset + size) of the global sequence, split back into their sections. */
export function sliceSections (snapshot: Snapshot, offset: number, size: number): { sections: SyncSections, end: number, total: number } {
  const sections: SyncSections = { resourceTypes: [], resources: [], entitlements: [], grants: [] }
  let start = 0 // of the section in the global sequence
  let end = offset
  for (const name of SECTIONS) {
    const seq = snapshot.section(name)
    sections[name] = seq.slice(end - start, offset + size - start)
    end += sections[name].length
    start += seq.length
  }
  return { sections, end, total: start }
}

/**
 * The snapshot as NDJSON: a header line, one line per object, and a closing line with the count.
 * A consumer that does not see the `end` line must treat the stream as incomplete (never as a full sync).
 * Lines are produced lazily, `batch` at a time, so memory stays constant whatever the snapshot size.
 */
export function * ndjsonLines (snapshot: Snapshot, batch = 256): Generator<string> {
  yield JSON.stringify({ snapshot: syncHeader(snapshot) }) + '\n'
  let count = 0
  let chunk = ''
  let inChunk = 0
  for (const name of SECTIONS) {
    const seq = snapshot.section(name)
    const key = name.slice(0, -1) // each line is keyed by its section's name in the singular
    for (let i = 0; i < seq.length; i++) {
      chunk += `{"${key}":${JSON.stringify(seq.at(i))}}\n`
      count++
      if (++inChunk === batch) {
        yield chunk
        chunk = ''
        inChunk = 0
      }
    }
  }
  yield chunk + JSON.stringify({ end: { syncId: snapshot.syncId, items: count } }) + '\n'
}
