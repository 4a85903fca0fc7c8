/**
 * The snapshots this process serves: the current one plus a few older ones, so a page walk that began before a
 * publish finishes on the snapshot it started with, and `GET /sync?since=` can diff against the previous one.
 */
import type { Snapshot } from './snapshot.ts'

export type PublishListener = (snapshot: Snapshot) => void

export interface SnapshotHolder {
  /** Makes `snapshot` current (atomically: readers see the old one or the new one, never a mix). */
  publish(snapshot: Snapshot): void
  current(): Snapshot | undefined
  /** A held snapshot by sync id (current or one of the kept older ones). */
  get(syncId: string): Snapshot | undefined
  /** Held snapshots, newest first. */
  all(): readonly Snapshot[]
  onPublish(listener: PublishListener): () => void
}

/** `keep`: how many snapshots are held (current included); at least 2. */
export function createSnapshotHolder (options: { keep?: number } = {}): SnapshotHolder {
  const keep = Math.max(2, options.keep ?? 3)
  let held: readonly Snapshot[] = []
  const listeners = new Set<PublishListener>()
  return {
    publish (snapshot) {
      if (held[0]?.syncId === snapshot.syncId) return
      held = [snapshot, ...held.filter((s) => s.syncId !== snapshot.syncId)].slice(0, keep)
      for (const listener of listeners) listener(snapshot)
    },
    current: () => held[0],
    get: (syncId) => held.find((s) => s.syncId === syncId),
    all: () => held,
    onPublish (listener) {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    }
  }
}
