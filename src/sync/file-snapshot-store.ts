/**
 * Snapshots on the local file system (DATA_DIR): one file per snapshot, `snapshot-<syncId>.json`, the two newest kept.
 *
 * A file is a checksum line followed by the snapshot JSON:
 *   {"format":"zuora-c1-snapshot-file","sha256":"<hex>","bytes":<n>}<spaces to 127 bytes>\n<json>
 * Writes are atomic (temp file + fsync + rename + directory fsync), so a crash leaves either the old set of files or
 * the new one. A file that is truncated, corrupt or fails its checksum is reported in `rejected` and never served.
 */
import { createHash } from 'node:crypto'
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { isSyncId } from './sync-id.ts'
import type { LoadedSnapshots, PersistedSnapshot, SnapshotStore } from './types.ts'

const FILE_FORMAT = 'zuora-c1-snapshot-file'
const NAME = /^snapshot-([0-9A-Za-z]{27})\.json$/
const KEEP = 2

export interface StoreLogger {
  warn(obj: object, msg?: string): void
}

export function snapshotFileName (syncId: string): string {
  return `snapshot-${syncId}.json`
}

/** Width of the checksum line (JSON padded with spaces): written last, over a placeholder, once the body is hashed. */
const HEADER_BYTES = 128
/** Body chunks of about this many characters: a 100k-user snapshot is never one string in memory. */
const CHUNK_CHARS = 1 << 20

/** The checksum line for a body of `bytes` bytes hashing to `sha256`, padded to HEADER_BYTES. */
function headerLine (sha256: string, bytes: number): Buffer {
  const json = JSON.stringify({ format: FILE_FORMAT, sha256, bytes })
  return Buffer.from(`${json.padEnd(HEADER_BYTES - 1, ' ')}\n`, 'utf8')
}

/** The snapshot's JSON in chunks (users and groups a batch at a time), equal to JSON.stringify once joined. */
export function * snapshotJsonChunks (snapshot: PersistedSnapshot): Generator<string> {
  const { directory, ...rest } = snapshot
  const j = JSON.stringify
  yield `${j(rest).slice(0, -1)},"directory":{"roles":${j(directory.roles)},"users":[`
  yield * arrayChunks(directory.users)
  yield '],"groups":['
  yield * arrayChunks(directory.groups)
  yield ']}}'
}

function * arrayChunks (items: readonly unknown[]): Generator<string> {
  let chunk = ''
  for (let i = 0; i < items.length; i++) {
    chunk += (i === 0 ? '' : ',') + JSON.stringify(items[i])
    if (chunk.length >= CHUNK_CHARS) { yield chunk; chunk = '' }
  }
  if (chunk !== '') yield chunk
}

/** The file bytes of a snapshot: checksum line + JSON (in memory: for tests and small snapshots). */
export function encodeSnapshotFile (snapshot: PersistedSnapshot): Buffer {
  const body = Buffer.from([...snapshotJsonChunks(snapshot)].join(''), 'utf8')
  return Buffer.concat([headerLine(createHash('sha256').update(body).digest('hex'), body.length), body])
}

/** Streams the snapshot into an open file: placeholder header, body chunks (hashed as written), then the header. */
async function writeSnapshotFile (handle: FileHandle, snapshot: PersistedSnapshot): Promise<void> {
  const hash = createHash('sha256')
  let position = HEADER_BYTES
  await handle.write(Buffer.alloc(HEADER_BYTES, 0x20), 0, HEADER_BYTES, 0)
  for (const chunk of snapshotJsonChunks(snapshot)) {
    const bytes = Buffer.from(chunk, 'utf8')
    hash.update(bytes)
    await handle.write(bytes, 0, bytes.length, position)
    position += bytes.length
  }
  await handle.write(headerLine(hash.digest('hex'), position - HEADER_BYTES), 0, HEADER_BYTES, 0)
}

/** Parses and verifies file bytes; throws an Error whose message says what is wrong. */
export function decodeSnapshotFile (data: Buffer): PersistedSnapshot {
  const newline = data.indexOf(0x0a)
  if (newline < 0) throw new Error('no checksum line (file truncated or not a snapshot file)')
  let header: { format?: unknown, sha256?: unknown, bytes?: unknown }
  try {
    header = JSON.parse(data.subarray(0, newline).toString('utf8'))
  } catch {
    throw new Error('the checksum line is not JSON')
  }
  if (header.format !== FILE_FORMAT || typeof header.sha256 !== 'string' || typeof header.bytes !== 'number') {
    throw new Error('the checksum line is not a zuora-c1 snapshot header')
  }
  const body = data.subarray(newline + 1)
  if (body.length !== header.bytes) throw new Error(`expected ${header.bytes} bytes of snapshot, found ${body.length} (truncated?)`)
  const sha256 = createHash('sha256').update(body).digest('hex')
  if (sha256 !== header.sha256) throw new Error('checksum mismatch (the file is corrupt)')
  const parsed = JSON.parse(body.toString('utf8')) as PersistedSnapshot
  if (parsed?.format !== 'zuora-c1-snapshot' || parsed.version !== 1) throw new Error('not a zuora-c1-snapshot v1 document')
  return parsed
}

export function createFileSnapshotStore (dir: string, options: { logger?: StoreLogger } = {}): SnapshotStore {
  const root = resolve(dir)

  async function snapshotFiles (): Promise<string[]> {
    let names: string[]
    try {
      names = await readdir(root)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
    return names.filter((n) => NAME.test(n)).sort().reverse() // newest first (sync ids sort by time)
  }

  return {
    description: `files in ${root}`,

    async load (): Promise<LoadedSnapshots> {
      const good: PersistedSnapshot[] = []
      const rejected: Array<{ file: string, reason: string }> = []
      for (const name of await snapshotFiles()) {
        if (good.length === KEEP) break
        const file = join(root, name)
        try {
          const snapshot = decodeSnapshotFile(await readFile(file))
          const syncId = NAME.exec(name)?.[1]
          if (snapshot.meta?.syncId !== syncId || !isSyncId(syncId)) throw new Error('the file name does not match the snapshot it holds')
          good.push(snapshot)
        } catch (err) {
          const reason = (err as Error).message
          rejected.push({ file, reason })
          options.logger?.warn({ file, reason }, 'snapshot file rejected; it will not be served')
        }
      }
      return {
        ...(good[0] !== undefined ? { current: good[0] } : {}),
        ...(good[1] !== undefined ? { previous: good[1] } : {}),
        rejected
      }
    },

    async save (snapshot: PersistedSnapshot): Promise<void> {
      if (!isSyncId(snapshot.meta.syncId)) throw new Error(`refusing to save a snapshot with the malformed sync id ${JSON.stringify(snapshot.meta.syncId)}`)
      await mkdir(root, { recursive: true })
      const target = join(root, snapshotFileName(snapshot.meta.syncId))
      const temp = `${target}.${process.pid}.${Date.now()}.tmp`
      const handle = await open(temp, 'w', 0o600)
      try {
        await writeSnapshotFile(handle, snapshot)
        await handle.sync()
      } finally {
        await handle.close()
      }
      try {
        await rename(temp, target)
      } catch (err) {
        await rm(temp, { force: true })
        throw err
      }
      await syncDirectory(root)
      // Keep the two newest snapshot files (temp files of a crashed write are never loaded).
      for (const stale of (await snapshotFiles()).slice(KEEP)) await rm(join(root, stale), { force: true })
    }
  }
}

async function syncDirectory (dir: string): Promise<void> {
  let handle
  try {
    handle = await open(dir, 'r')
    await handle.sync()
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    await handle?.close()
  }
}
