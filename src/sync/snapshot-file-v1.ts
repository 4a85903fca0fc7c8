/**
 * Reading the version 1 snapshot files (`snapshot-<syncId>.json`) written before the NDJSON format, so that an
 * upgrade still serves the snapshot saved by the old version at once. Never written any more.
 *
 * A v1 file is a checksum line `{"format":"zuora-c1-snapshot-file","sha256":"<hex>","bytes":<n>}` padded with
 * spaces to 127 bytes plus a newline, then the snapshot JSON. For a body of 10,000,000 bytes or more the JSON
 * filled all 128 bytes and the newline was cut off: the body then starts at byte 128. (A body of 100 MB or more
 * lost the closing brace too; such a file is rejected.)
 */
import { createHash } from 'node:crypto'
import { FILE_FORMAT } from './snapshot-file.ts'
import type { PersistedSnapshot } from './types.ts'

const HEADER_BYTES = 128

/** Parses and verifies a whole v1 file; throws an Error whose message says what is wrong. */
export function decodeSnapshotFileV1 (data: Buffer): PersistedSnapshot {
  const newline = data.indexOf(0x0a)
  const headerEnd = newline >= 0 && newline < HEADER_BYTES ? newline : HEADER_BYTES
  let header: { format?: unknown, sha256?: unknown, bytes?: unknown }
  try {
    header = JSON.parse(data.subarray(0, headerEnd).toString('utf8'))
  } catch {
    throw new Error('no v1 checksum line (file truncated, not a snapshot file, or a v1 file of 100 MB or more)')
  }
  if (header.format !== FILE_FORMAT || typeof header.sha256 !== 'string' || typeof header.bytes !== 'number') {
    throw new Error('the checksum line is not a zuora-c1 snapshot header')
  }
  const body = data.subarray(headerEnd === newline ? newline + 1 : HEADER_BYTES)
  if (body.length !== header.bytes) throw new Error(`expected ${header.bytes} bytes of snapshot, found ${body.length} (truncated?)`)
  if (createHash('sha256').update(body).digest('hex') !== header.sha256) throw new Error('checksum mismatch (the file is corrupt)')
  const parsed = JSON.parse(body.toString('utf8')) as PersistedSnapshot
  if (parsed?.format !== 'zuora-c1-snapshot' || parsed.version !== 1) throw new Error('not a zuora-c1-snapshot v1 document')
  return parsed
}
