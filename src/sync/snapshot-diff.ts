/**
 * What changed between two snapshots, in C1's shapes: the objects to upsert (new, or different in any field)
 * and the ids to delete (present in `from`, gone from `to`). Mirrors baton's `partial_upserts` /
 * `partial_deletions` sync types (c1-model.md §2, §7.4). Items come out in the snapshot's own order.
 *
 * Both sections are sorted by the same key, so the diff is one merge walk, O(n) with O(1) extra memory per
 * item; should the order ever not hold, the walk notices and falls back to a keyed comparison.
 */
import type { Entitlement, Grant, Resource, ResourceIdRef } from '#src/c1/model.ts'
import type { Seq } from './seq.ts'
import type { Snapshot } from './snapshot.ts'

export type SnapshotDiff = ReturnType<typeof diffSnapshots>

export function diffSnapshots (from: Snapshot, to: Snapshot) {
  // Resource types rank in /sync order (user, role, group), not alphabetically.
  const rank = new Map<string, string>()
  for (const t of [...from.resourceTypes, ...to.resourceTypes]) if (!rank.has(t.id)) rank.set(t.id, String(rank.size).padStart(4, '0'))
  // Key parts are joined with U+0000, which sorts below every character an id may hold (ids have no controls).
  const key = (id: ResourceIdRef, ...rest: string[]): string => [rank.get(id.resourceType) ?? `~${id.resourceType}`, id.resource, ...rest].join('\u0000')
  const diff = <T>(name: 'resources' | 'entitlements' | 'grants', keyOf: (item: T) => string): SeqDiff<T> => {
    const a = from.section(name) as Seq<T>
    const b = to.section(name) as Seq<T>
    return mergeDiff(a, b, keyOf) ?? keyedDiff(a, b, keyOf)
  }
  const resources = diff<Resource>('resources', (r) => key(r.id))
  const entitlements = diff<Entitlement>('entitlements', (e) => key(e.resource.id, e.id))
  const grants = diff<Grant>('grants', (g) => key(g.entitlement.resource.id, g.entitlement.id, g.principal.id.resourceType, g.principal.id.resource))
  return {
    fromSyncId: from.syncId,
    toSyncId: to.syncId,
    upserts: { resources: resources.upserts, entitlements: entitlements.upserts, grants: grants.upserts },
    deletions: {
      resources: resources.deletions.map((r) => ({ resourceType: r.id.resourceType, resource: r.id.resource })),
      entitlements: entitlements.deletions.map((e) => ({ id: e.id })),
      grants: grants.deletions.map((g) => ({ id: g.id }))
    }
  }
}

interface SeqDiff<T> { upserts: T[], deletions: T[] }

/** A position in a sorted sequence; `next()` is false when the sequence did not strictly increase. */
function cursor<T> (seq: Seq<T>, keyOf: (item: T) => string): { item?: T, key?: string, next(): boolean } {
  let i = -1
  const c = {
    item: undefined as T | undefined,
    key: undefined as string | undefined,
    next (): boolean {
      const prev = c.key
      c.item = ++i < seq.length ? seq.at(i) : undefined
      c.key = c.item !== undefined ? keyOf(c.item) : undefined
      return prev === undefined || c.key === undefined || prev < c.key
    }
  }
  c.next()
  return c
}

/** The merge walk; undefined when a sequence turns out not to be sorted. */
function mergeDiff<T> (from: Seq<T>, to: Seq<T>, keyOf: (item: T) => string): SeqDiff<T> | undefined {
  const upserts: T[] = []
  const deletions: T[] = []
  const a = cursor(from, keyOf)
  const b = cursor(to, keyOf)
  while (a.key !== undefined || b.key !== undefined) {
    if (b.key === undefined || (a.key !== undefined && a.key < b.key)) {
      deletions.push(a.item as T)
      if (!a.next()) return undefined
    } else if (a.key === undefined || a.key > b.key) {
      upserts.push(b.item as T)
      if (!b.next()) return undefined
    } else {
      if (JSON.stringify(a.item) !== JSON.stringify(b.item)) upserts.push(b.item as T)
      if (!a.next() || !b.next()) return undefined
    }
  }
  return { upserts, deletions }
}

function keyedDiff<T> (from: Seq<T>, to: Seq<T>, keyOf: (item: T) => string): SeqDiff<T> {
  const before = new Map(from.slice().map((item) => [keyOf(item), JSON.stringify(item)]))
  const after = new Set(to.slice().map(keyOf))
  return {
    upserts: to.slice().filter((item) => before.get(keyOf(item)) !== JSON.stringify(item)),
    deletions: from.slice().filter((item) => !after.has(keyOf(item)))
  }
}
