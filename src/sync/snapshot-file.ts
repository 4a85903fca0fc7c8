/**
 * The snapshot file format, version 2: NDJSON that can be written and read a line at a time.
 *
 *   line 1      header: {"format":"zuora-c1-snapshot-file","version":2,"counts":{"users":u,"groups":g},"snapshot":{…}}
 *               (`snapshot` is the PersistedSnapshot without its users and groups)
 *   u lines     one DirectoryUser each, in order
 *   g lines     one DirectoryGroup each, in order
 *   last line   trailer: {"sha256":"<hex>","bytes":<n>} over the n bytes before it
 *
 * Nothing has a fixed width, so no size can overflow. A reader verifies the trailer before handing the snapshot
 * out: a truncated, corrupt or extended file is an Error whose message says what is wrong.
 */
import { createHash } from 'node:crypto'
import type { DirectoryGroup, DirectoryUser } from '#src/directory/types.ts'
import type { LoadedSnapshots, PersistedSnapshot, RejectedFile } from './types.ts'

const FILE_FORMAT = 'zuora-c1-snapshot-file'
const FILE_VERSION = 2
/**
 * Lines are batched into chunks of about this many characters when written: small enough that serialising one
 * chunk is a short turn of the event loop (the store awaits each write), large enough to keep writes few.
 */
const CHUNK_CHARS = 1 << 16

interface Header {
  readonly format: typeof FILE_FORMAT
  readonly version: typeof FILE_VERSION
  readonly counts: { readonly users: number, readonly groups: number }
  readonly snapshot: Omit<PersistedSnapshot, 'directory'> & { readonly directory: { readonly roles: readonly string[] } }
}

/**
 * Records serialised ahead of the persist (the sync engine adds each page's users and groups while the read waits
 * for Zuora; the writer then reuses their lines), up to `maxChars` characters: 16 M covers a 25k-user directory. A
 * larger directory drops them all as soon as they pass it, so that its peak memory stays what it was (at 100k users
 * the lines would add ~45 MB to the peak RSS).
 */
export function createEarlyLines (maxChars = 16_000_000) {
  const lines = new Map<object, string>()
  let chars = 0
  return {
    lines: lines as ReadonlyMap<object, string>,
    add (records: readonly object[]): void {
      for (const record of records) {
        if (chars > maxChars) return
        const line = JSON.stringify(record)
        lines.set(record, line)
        chars += line.length
        if (chars > maxChars) lines.clear()
      }
    }
  }
}

/**
 * The file's bytes in chunks of about CHUNK_CHARS: header, records, then the trailer hashed on the way. `lines`
 * holds records serialised earlier (the sync engine serialises them while the read waits for Zuora).
 */
export function * snapshotFileChunks (snapshot: PersistedSnapshot, lines?: ReadonlyMap<object, string>): Generator<Buffer> {
  const { directory: { users, groups, roles }, ...rest } = snapshot
  const header: Header = { format: FILE_FORMAT, version: FILE_VERSION, counts: { users: users.length, groups: groups.length }, snapshot: { ...rest, directory: { roles } } }
  const hash = createHash('sha256')
  let bytes = 0
  let chunk = `${JSON.stringify(header)}\n`
  const flush = (): Buffer => {
    const b = Buffer.from(chunk, 'utf8')
    hash.update(b)
    bytes += b.length
    chunk = ''
    return b
  }
  for (const records of [users, groups] as const) {
    for (const record of records) {
      chunk += `${lines?.get(record) ?? JSON.stringify(record)}\n`
      if (chunk.length >= CHUNK_CHARS) yield flush()
    }
  }
  yield flush()
  yield Buffer.from(`${JSON.stringify({ sha256: hash.digest('hex'), bytes })}\n`, 'utf8')
}

/** The whole file in memory (the PostgreSQL store and tests; the file store streams the same bytes). */
export function encodeSnapshotFile (snapshot: PersistedSnapshot, lines?: ReadonlyMap<object, string>): Buffer {
  return Buffer.concat([...snapshotFileChunks(snapshot, lines)])
}

function parseLine (line: Buffer, what: string): unknown {
  try {
    return JSON.parse(line.toString('utf8'))
  } catch {
    throw new Error(`${what} is not JSON (the file is corrupt)`)
  }
}

function checkHeader (value: unknown): Header {
  const h = value as Partial<Header> | null
  if (h?.format !== FILE_FORMAT || h.version !== FILE_VERSION) throw new Error(`the first line is not a ${FILE_FORMAT} v${FILE_VERSION} header`)
  const { users, groups } = h.counts ?? {}
  if (!Number.isSafeInteger(users) || !Number.isSafeInteger(groups) || (users as number) < 0 || (groups as number) < 0) throw new Error('the header has no valid record counts')
  const s = h.snapshot
  if (s?.format !== 'zuora-c1-snapshot' || s.version !== 1 || !Array.isArray(s.directory?.roles)) throw new Error('the header holds no zuora-c1-snapshot v1 document')
  return h as Header
}

/**
 * Reads a v2 file from its chunks (a file stream), a line at a time, hashing as it goes. Resolves only when the
 * trailer matches every byte before it; throws otherwise.
 */
export async function decodeSnapshotStream (chunks: AsyncIterable<Buffer>): Promise<PersistedSnapshot> {
  const hash = createHash('sha256')
  let hashed = 0
  let header: Header | undefined
  let expected = Infinity // record lines after the header
  const users: DirectoryUser[] = []
  const groups: DirectoryGroup[] = []
  let trailer: { sha256?: unknown, bytes?: unknown } | undefined
  let rest: Buffer = Buffer.alloc(0)

  const onLine = (line: Buffer): void => {
    if (trailer !== undefined) throw new Error('data after the trailer (not a snapshot file written by this service)')
    if (header === undefined) {
      header = checkHeader(parseLine(line, 'the header line'))
      expected = header.counts.users + header.counts.groups
    } else if (users.length + groups.length < expected) {
      const record = parseLine(line, `record ${users.length + groups.length + 1}`)
      if (users.length < header.counts.users) users.push(record as DirectoryUser)
      else groups.push(record as DirectoryGroup)
    } else {
      trailer = parseLine(line, 'the trailer') as typeof trailer
      return
    }
    hash.update(line).update('\n')
    hashed += line.length + 1
  }

  for await (const chunk of chunks) {
    const data = rest.length === 0 ? chunk : Buffer.concat([rest, chunk])
    let start = 0
    for (let nl = data.indexOf(0x0a); nl >= 0; nl = data.indexOf(0x0a, start)) {
      onLine(data.subarray(start, nl))
      start = nl + 1
    }
    rest = Buffer.from(data.subarray(start))
  }
  if (rest.length > 0) throw new Error('the last line has no newline (file truncated)')
  if (header === undefined) throw new Error('empty file (truncated or not a snapshot file)')
  if (trailer === undefined) {
    const found = users.length + groups.length
    throw new Error(found < expected ? `expected ${expected} records, found ${found} (file truncated)` : 'no trailer line (file truncated)')
  }
  if (typeof trailer?.sha256 !== 'string' || typeof trailer.bytes !== 'number') throw new Error('the trailer line is not a checksum (file truncated or corrupt)')
  if (trailer.bytes !== hashed) throw new Error(`the trailer counts ${trailer.bytes} bytes, found ${hashed} (file truncated or corrupt)`)
  if (hash.digest('hex') !== trailer.sha256) throw new Error('checksum mismatch (the file is corrupt)')
  const { directory: { roles }, ...fields } = header.snapshot
  return { ...fields, directory: { users, groups, roles } }
}

/**
 * Version 1 files (`snapshot-<syncId>.json`, written before the NDJSON format) are still read, so that an upgrade
 * serves the snapshot the old version saved at once. A v1 file is a checksum line
 * `{"format":"zuora-c1-snapshot-file","sha256":"<hex>","bytes":<n>}` padded with spaces to 127 bytes plus a newline,
 * then the snapshot JSON. For a body of 10,000,000 bytes or more the JSON filled all 128 bytes and the newline was
 * cut off: the body then starts at byte 128. (A body of 100 MB or more lost the closing brace too: rejected.)
 */
export function decodeSnapshotFileV1 (data: Buffer): PersistedSnapshot {
  const newline = data.indexOf(0x0a)
  const headerEnd = newline >= 0 && newline < 128 ? newline : 128
  let header: { format?: unknown, sha256?: unknown, bytes?: unknown }
  try {
    header = JSON.parse(data.subarray(0, headerEnd).toString('utf8'))
  } catch {
    throw new Error('no v1 checksum line (file truncated, not a snapshot file, or a v1 file of 100 MB or more)')
  }
  if (header.format !== FILE_FORMAT || typeof header.sha256 !== 'string' || typeof header.bytes !== 'number') {
    throw new Error('the checksum line is not a zuora-c1 snapshot header')
  }
  const body = data.subarray(headerEnd === newline ? newline + 1 : 128)
  if (body.length !== header.bytes) throw new Error(`expected ${header.bytes} bytes of snapshot, found ${body.length} (truncated?)`)
  if (createHash('sha256').update(body).digest('hex') !== header.sha256) throw new Error('checksum mismatch (the file is corrupt)')
  const parsed = JSON.parse(body.toString('utf8')) as PersistedSnapshot
  if (parsed?.format !== 'zuora-c1-snapshot' || parsed.version !== 1) throw new Error('not a zuora-c1-snapshot v1 document')
  return parsed
}

/**
 * What a store's load() answers: the first of `ids` (newest first) that `read` accepts, and the one after it on
 * demand. `read` gives a snapshot, undefined (none under that id) or why it rejects one; `where` names the id.
 */
export async function loadNewest (
  ids: readonly string[],
  read: (id: string) => Promise<PersistedSnapshot | string | undefined>,
  where: (id: string) => string
): Promise<LoadedSnapshots> {
  const firstGood = async (from: number): Promise<{ snapshot?: PersistedSnapshot, next: number, rejected: RejectedFile[] }> => {
    const rejected: RejectedFile[] = []
    for (let i = from; i < ids.length; i++) {
      const r = await read(ids[i])
      if (typeof r === 'string') rejected.push({ file: where(ids[i]), reason: r })
      else if (r !== undefined) return { snapshot: r, next: i + 1, rejected }
    }
    return { next: ids.length, rejected }
  }
  const current = await firstGood(0)
  if (current.snapshot === undefined) return { rejected: current.rejected }
  const loadPrevious = async (): Promise<{ previous?: PersistedSnapshot, rejected: RejectedFile[] }> => {
    const p = await firstGood(current.next)
    return { previous: p.snapshot, rejected: p.rejected }
  }
  return { current: current.snapshot, rejected: current.rejected, loadPrevious: current.next < ids.length ? loadPrevious : undefined }
}
