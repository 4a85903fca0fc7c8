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
import { createReadStream } from 'node:fs'
import { mkdir, open, readFile, readdir, rename, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { decodeSnapshotFileV1, decodeSnapshotStream, loadNewest, snapshotFileChunks } from './snapshot-file.ts'
import { isSyncId } from './sync-id.ts'
import type { SyncLogger } from './sync-engine.ts'
import type { PersistedSnapshot, SnapshotStore } from './types.ts'

const NAME = /^snapshot-([0-9A-Za-z]{27})\.(nd)?json$/
/** Temp files of writes by this store: `<snapshot file name>.<pid>.<ms>.tmp`. */
const TEMP_NAME = /^snapshot-[0-9A-Za-z]{27}\.(nd)?json\.\d+\.\d+\.tmp$/
const KEEP = 2

export function snapshotFileName (syncId: string): string {
  return `snapshot-${syncId}.ndjson`
}

/** Reads and verifies one snapshot file (v2 streamed, v1 whole); throws an Error saying what is wrong. */
export async function readSnapshotFile (file: string): Promise<PersistedSnapshot> {
  if (file.endsWith('.json')) return decodeSnapshotFileV1(await readFile(file))
  return await decodeSnapshotStream(createReadStream(file, { highWaterMark: 1 << 20 }))
}

export function createFileSnapshotStore (dir: string, options: { logger?: Partial<SyncLogger> } = {}): SnapshotStore {
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

  async function read (name: string): Promise<PersistedSnapshot | string> {
    const file = join(root, name)
    try {
      const snapshot = await readSnapshotFile(file)
      const syncId = NAME.exec(name)?.[1]
      if (snapshot.meta?.syncId !== syncId || !isSyncId(syncId)) throw new Error('the file name does not match the snapshot it holds')
      return snapshot
    } catch (err) {
      const reason = (err as Error).message
      options.logger?.warn?.({ file, reason }, 'snapshot file rejected; it will not be served')
      return reason
    }
  }

  return {
    description: `files in ${root}`,

    async load () {
      const stale = (await listDir()).filter((n) => TEMP_NAME.test(n))
      for (const name of stale) await rm(join(root, name), { force: true })
      if (stale.length > 0) options.logger?.info?.({ dir: root, removed: stale.length }, 'removed temp files left by interrupted snapshot writes')
      return await loadNewest(await snapshotFiles(), read, (name) => join(root, name))
    },

    async save (snapshot, lines) {
      if (!isSyncId(snapshot.meta.syncId)) throw new Error(`refusing to save a snapshot with the malformed sync id ${JSON.stringify(snapshot.meta.syncId)}`)
      await mkdir(root, { recursive: true })
      const target = join(root, snapshotFileName(snapshot.meta.syncId))
      const temp = `${target}.${process.pid}.${Date.now()}.tmp`
      const handle = await open(temp, 'w', 0o600)
      options.logger?.debug?.({ file: temp }, 'writing a snapshot file')
      try {
        try {
          // Chunk by chunk: serialising one chunk is a short turn of the event loop.
          for (const chunk of snapshotFileChunks(snapshot, lines)) await handle.write(chunk)
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
