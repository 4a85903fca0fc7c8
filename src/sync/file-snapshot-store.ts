/**
 * Snapshots on the local file system (DATA_DIR): one file per snapshot, `snapshot-<syncId>.ndjson` (format v2,
 * src/sync/snapshot-file.ts), the two newest kept. Version 1 files (`snapshot-<syncId>.json`, older releases) are
 * still read, never written.
 *
 * Writes are atomic (temp file + fsync + rename + directory fsync), so a crash leaves either the old set of files or
 * the new one; temp files a crash left behind are removed by the next `load()`. A file that is truncated, corrupt
 * or fails its checksum is reported in `rejected` and never served. `load()` reads only the newest good snapshot;
 * the one before it is read when `loadPrevious()` is called (after the service is serving).
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { decodeSnapshotFileV1 } from './snapshot-file-v1.ts'
import { decodeSnapshotStream, snapshotLines, trailerLine } from './snapshot-file.ts'
import { isSyncId } from './sync-id.ts'
import type { LoadedSnapshots, PersistedSnapshot, RejectedFile, SnapshotStore } from './types.ts'

const NAME = /^snapshot-([0-9A-Za-z]{27})\.(nd)?json$/
/** Temp files of writes by this store: `<snapshot file name>.<pid>.<ms>.tmp`. */
const TEMP_NAME = /^snapshot-[0-9A-Za-z]{27}\.(nd)?json\.\d+\.\d+\.tmp$/
const KEEP = 2
/** Read size of the file stream. */
const READ_CHUNK = 1 << 20

export interface StoreLogger {
  warn(obj: object, msg?: string): void
  info?(obj: object, msg?: string): void
  debug?(obj: object, msg?: string): void
}

export function snapshotFileName (syncId: string): string {
  return `snapshot-${syncId}.ndjson`
}

/** Streams the snapshot into an open file, hashing as it writes, then the trailer. */
async function writeSnapshotFile (handle: FileHandle, snapshot: PersistedSnapshot, lines?: ReadonlyMap<object, string>): Promise<void> {
  const hash = createHash('sha256')
  let position = 0
  for (const chunk of snapshotLines(snapshot, lines)) {
    const bytes = Buffer.from(chunk, 'utf8')
    hash.update(bytes)
    await handle.write(bytes, 0, bytes.length, position)
    position += bytes.length
  }
  const trailer = Buffer.from(trailerLine(hash.digest('hex'), position), 'utf8')
  await handle.write(trailer, 0, trailer.length, position)
}

/** Reads and verifies one snapshot file (v2 streamed, v1 whole); throws an Error saying what is wrong. */
export async function readSnapshotFile (file: string): Promise<PersistedSnapshot> {
  if (file.endsWith('.json')) return decodeSnapshotFileV1(await readFile(file))
  return await decodeSnapshotStream(createReadStream(file, { highWaterMark: READ_CHUNK }))
}

export function createFileSnapshotStore (dir: string, options: { logger?: StoreLogger } = {}): SnapshotStore {
  const root = resolve(dir)

  async function listDir (): Promise<string[]> {
    try {
      return await readdir(root)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return []
      throw err
    }
  }

  /** Snapshot file names, newest first (sync ids sort by time). */
  async function snapshotFiles (): Promise<string[]> {
    return (await listDir()).filter((n) => NAME.test(n)).sort().reverse()
  }

  async function removeStaleTemps (): Promise<void> {
    const stale = (await listDir()).filter((n) => TEMP_NAME.test(n))
    for (const name of stale) await rm(join(root, name), { force: true })
    if (stale.length > 0) options.logger?.info?.({ dir: root, removed: stale.length }, 'removed temp files left by interrupted snapshot writes')
  }

  /** The newest good snapshot among `names` (newest first), with the files rejected on the way. */
  async function firstGood (names: readonly string[]): Promise<{ snapshot?: PersistedSnapshot, name?: string, rejected: RejectedFile[] }> {
    const rejected: RejectedFile[] = []
    for (const name of names) {
      const file = join(root, name)
      try {
        const snapshot = await readSnapshotFile(file)
        const syncId = NAME.exec(name)?.[1]
        if (snapshot.meta?.syncId !== syncId || !isSyncId(syncId)) throw new Error('the file name does not match the snapshot it holds')
        return { snapshot, name, rejected }
      } catch (err) {
        const reason = (err as Error).message
        rejected.push({ file, reason })
        options.logger?.warn({ file, reason }, 'snapshot file rejected; it will not be served')
      }
    }
    return { rejected }
  }

  return {
    description: `files in ${root}`,

    async load (): Promise<LoadedSnapshots> {
      await removeStaleTemps()
      const names = await snapshotFiles()
      const current = await firstGood(names)
      if (current.snapshot === undefined) return { rejected: current.rejected }
      const older = names.slice(names.indexOf(current.name ?? '') + 1)
      return {
        current: current.snapshot,
        rejected: current.rejected,
        loadPrevious: older.length > 0
          ? async () => { const p = await firstGood(older); return { previous: p.snapshot, rejected: p.rejected } }
          : undefined
      }
    },

    async save (snapshot: PersistedSnapshot, lines?: ReadonlyMap<object, string>): Promise<void> {
      if (!isSyncId(snapshot.meta.syncId)) throw new Error(`refusing to save a snapshot with the malformed sync id ${JSON.stringify(snapshot.meta.syncId)}`)
      await mkdir(root, { recursive: true })
      const target = join(root, snapshotFileName(snapshot.meta.syncId))
      const temp = `${target}.${process.pid}.${Date.now()}.tmp`
      const handle = await open(temp, 'w', 0o600)
      options.logger?.debug?.({ file: temp }, 'writing a snapshot file')
      try {
        try {
          await writeSnapshotFile(handle, snapshot, lines)
          await handle.sync()
        } finally {
          await handle.close()
        }
        await rename(temp, target)
      } catch (err) {
        await rm(temp, { force: true })
        throw err
      }
      await syncDirectory(root)
      options.logger?.debug?.({ file: target }, 'snapshot file renamed into place')
      // Keep the two newest snapshot files.
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
