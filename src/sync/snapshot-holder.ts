/**
 * The snapshots this process serves: the current one plus a few older ones, so a page walk that began before a
 * publish finishes on the snapshot it started with, and `GET /sync?since=` can diff against the previous one.
 */
import type { Snapshot } from './snapshot.ts'

export type SnapshotHolder = ReturnType<typeof createSnapshotHolder>

/** `keep`: how many snapshots are held (current included); at least 2. */
export function createSnapshotHolder (options: { keep?: number } = {}) {
  const keep = Math.max(2, options.keep ?? 3)
  let held: readonly Snapshot[] = []
  const listeners = new Set<(snapshot: Snapshot) => void>()
  const holder = {
    /** Makes `snapshot` current (atomically: readers see the old one or the new one, never a mix). */
    publish (snapshot: Snapshot): void {
      if (held[0]?.syncId === snapshot.syncId) return
      held = [snapshot, ...held.filter((s) => s.syncId !== snapshot.syncId)].slice(0, keep)
      for (const listener of listeners) listener(snapshot)
    },
    /**
     * Holds an older snapshot (restored from the store after the current one) behind the current one, without
     * making it current; with nothing held it is published. Nothing happens when the holder is full of newer ones.
     */
    adopt (snapshot: Snapshot): void {
      const [current, ...older] = held
      if (current === undefined) { holder.publish(snapshot); return }
      if (held.some((s) => s.syncId === snapshot.syncId)) return
      held = [current, ...[...older, snapshot].sort((a, b) => a.syncId < b.syncId ? 1 : -1)].slice(0, keep)
    },
    current: (): Snapshot | undefined => held[0],
    /** A held snapshot by sync id (current or one of the kept older ones). */
    get: (syncId: string): Snapshot | undefined => held.find((s) => s.syncId === syncId),
    /** Held snapshots, newest first. */
    all: (): readonly Snapshot[] => held,
    onPublish (listener: (snapshot: Snapshot) => void): () => void {
      listeners.add(listener)
      return () => { listeners.delete(listener) }
    }
  }
  return holder
}
