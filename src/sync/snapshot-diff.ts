/**
 * What changed between two snapshots, in C1's shapes: the objects to upsert (new, or different in any field)
 * and the ids to delete (present in `from`, gone from `to`). Mirrors baton's `partial_upserts` /
 * `partial_deletions` sync types (c1-model.md §2, §7.4). Pure and deterministic: items come out in the
 * snapshot's own order (resources: users, roles, groups, each by id; entitlements and grants likewise).
 *
 * Both sections are sorted by the same key, so the diff is one merge walk, O(n) with O(1) extra memory per
 * item. Should the order ever not hold (a future section layout), the walk notices and falls back to a
 * keyed comparison, so the result is exact either way.
 */
import type { Entitlement, Grant, Resource, ResourceIdRef } from '#src/c1/model.ts'
import type { Seq } from './seq.ts'
import type { Snapshot } from './snapshot.ts'

export interface SnapshotDiff {
  readonly fromSyncId: string
  readonly toSyncId: string
  readonly upserts: {
    readonly resources: Resource[]
    readonly entitlements: Entitlement[]
    readonly grants: Grant[]
  }
  readonly deletions: {
    readonly resources: ResourceIdRef[]
    readonly entitlements: Array<{ id: string }>
    readonly grants: Array<{ id: string }>
  }
}

/** The upserts and deletions that turn `from` into `to`. */
export function diffSnapshots (from: Snapshot, to: Snapshot): SnapshotDiff {
  const rank = typeRanks(from, to)
  const resources = diffSeqs(
    from.section('resources') as Seq<Resource>,
    to.section('resources') as Seq<Resource>,
    (r) => resourceKey(rank, r.id)
  )
  const entitlements = diffSeqs(
    from.section('entitlements') as Seq<Entitlement>,
    to.section('entitlements') as Seq<Entitlement>,
    (e) => [...resourceKey(rank, e.resource.id), e.id]
  )
  const grants = diffSeqs(
    from.section('grants') as Seq<Grant>,
    to.section('grants') as Seq<Grant>,
    (g) => [...resourceKey(rank, g.entitlement.resource.id), g.entitlement.id, g.principal.id.resourceType, g.principal.id.resource]
  )
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

type Key = readonly string[]

/** Resource types rank in /sync order (user, role, group), not alphabetically. */
function typeRanks (a: Snapshot, b: Snapshot): ReadonlyMap<string, string> {
  const rank = new Map<string, string>()
  for (const t of [...a.resourceTypes, ...b.resourceTypes]) {
    if (!rank.has(t.id)) rank.set(t.id, String(rank.size).padStart(4, '0'))
  }
  return rank
}

function resourceKey (rank: ReadonlyMap<string, string>, id: ResourceIdRef): string[] {
  return [rank.get(id.resourceType) ?? `~${id.resourceType}`, id.resource]
}

/** Element-wise code-unit comparison of two keys. */
function compareKeys (a: Key, b: Key): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const x = a[i]
    const y = b[i]
    if (x !== y) return x < y ? -1 : 1
  }
  return a.length - b.length
}

function keyString (k: Key): string {
  return k.join('\u0000')
}

interface SeqDiff<T> { upserts: T[], deletions: T[] }

/** Merge walk over two sequences sorted by `keyOf`; falls back to a keyed diff when an order breaks. */
function diffSeqs<T> (from: Seq<T>, to: Seq<T>, keyOf: (item: T) => Key): SeqDiff<T> {
  return mergeDiff(from, to, keyOf) ?? keyedDiff(from, to, keyOf)
}

/** A position in a sorted sequence; `next()` is false when the sequence did not strictly increase. */
function cursor<T> (seq: Seq<T>, keyOf: (item: T) => Key): { item?: T, key?: Key, next(): boolean } {
  let i = -1
  const c = {
    item: undefined as T | undefined,
    key: undefined as Key | undefined,
    next (): boolean {
      const prev = c.key
      c.item = ++i < seq.length ? seq.at(i) : undefined
      c.key = c.item !== undefined ? keyOf(c.item) : undefined
      return prev === undefined || c.key === undefined || compareKeys(prev, c.key) < 0
    }
  }
  c.next()
  return c
}

function mergeDiff<T> (from: Seq<T>, to: Seq<T>, keyOf: (item: T) => Key): SeqDiff<T> | undefined {
  const upserts: T[] = []
  const deletions: T[] = []
  const a = cursor(from, keyOf)
  const b = cursor(to, keyOf)
  while (a.key !== undefined || b.key !== undefined) {
    const c = a.key === undefined ? 1 : b.key === undefined ? -1 : compareKeys(a.key, b.key)
    if (c < 0) {
      deletions.push(a.item as T)
      if (!a.next()) return undefined
    } else if (c > 0) {
      upserts.push(b.item as T)
      if (!b.next()) return undefined
    } else {
      if (JSON.stringify(a.item) !== JSON.stringify(b.item)) upserts.push(b.item as T)
      if (!a.next() || !b.next()) return undefined
    }
  }
  return { upserts, deletions }
}

function keyedDiff<T> (from: Seq<T>, to: Seq<T>, keyOf: (item: T) => Key): SeqDiff<T> {
  const before = new Map<string, string>()
  for (let i = 0; i < from.length; i++) {
    const item = from.at(i)
    before.set(keyString(keyOf(item)), JSON.stringify(item))
  }
  const upserts: T[] = []
  const seen = new Set<string>()
  for (let j = 0; j < to.length; j++) {
    const item = to.at(j)
    const key = keyString(keyOf(item))
    seen.add(key)
    if (before.get(key) !== JSON.stringify(item)) upserts.push(item)
  }
  const deletions: T[] = []
  for (let i = 0; i < from.length; i++) {
    const item = from.at(i)
    if (!seen.has(keyString(keyOf(item)))) deletions.push(item)
  }
  return { upserts, deletions }
}
