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
import type { PersistedSnapshot } from './types.ts'

export const FILE_FORMAT = 'zuora-c1-snapshot-file'
export const FILE_VERSION = 2
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
 * The header and record lines of a snapshot (no trailer), batched into chunks of about CHUNK_CHARS. `lines` holds
 * records serialised earlier (the sync engine serialises users while the read waits for Zuora).
 */
export function * snapshotLines (snapshot: PersistedSnapshot, lines?: ReadonlyMap<object, string>): Generator<string> {
  const { directory: { users, groups, roles }, ...rest } = snapshot
  const header: Header = {
    format: FILE_FORMAT,
    version: FILE_VERSION,
    counts: { users: users.length, groups: groups.length },
    snapshot: { ...rest, directory: { roles } }
  }
  let chunk = `${JSON.stringify(header)}\n`
  for (const records of [users, groups] as const) {
    for (const record of records) {
      chunk += `${lines?.get(record) ?? JSON.stringify(record)}\n`
      if (chunk.length >= CHUNK_CHARS) { yield chunk; chunk = '' }
    }
  }
  yield chunk
}

export function trailerLine (sha256: string, bytes: number): string {
  return `${JSON.stringify({ sha256, bytes })}\n`
}

/** The whole file in memory (tests and small snapshots; the store streams the same bytes). */
export function encodeSnapshotFile (snapshot: PersistedSnapshot, lines?: ReadonlyMap<object, string>): Buffer {
  const body = Buffer.from([...snapshotLines(snapshot, lines)].join(''), 'utf8')
  return Buffer.concat([body, Buffer.from(trailerLine(createHash('sha256').update(body).digest('hex'), body.length))])
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
    const withNewline = line.length + 1
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
    hashed += withNewline
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
