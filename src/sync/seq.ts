/**
 * Lazy, read-only sequences: a length and an indexer. Snapshot sections are Seqs so that a 100k-user snapshot
 * keeps only its compact directory in memory; C1 objects are mapped when a page or a stream line needs them.
 * `at` throws a RangeError outside 0..length-1; `slice` clamps like Array's.
 */
export type Seq<T> = ReturnType<typeof seqOf<T>>

export function seqOf<T> (length: number, get: (index: number) => T) {
  return {
    length,
    at (index: number): T {
      if (!Number.isInteger(index) || index < 0 || index >= length) throw new RangeError(`index ${index} is outside 0..${length - 1}`)
      return get(index)
    },
    slice (start = 0, end = length): T[] {
      const from = Math.max(0, Math.min(length, start))
      const to = Math.max(from, Math.min(length, end))
      const out: T[] = new Array(to - from)
      for (let i = from; i < to; i++) out[i - from] = get(i)
      return out
    }
  }
}

export function seqFromArray<T> (items: readonly T[]): Seq<T> {
  return seqOf(items.length, (i) => items[i])
}

/** The sequences one after the other (empty ones skipped). */
export function concatSeqs<T> (parts: readonly Seq<T>[]): Seq<T> {
  const starts: number[] = []
  let total = 0
  for (const p of parts) { starts.push(total); total += p.length }
  return seqOf(total, (index) => {
    // Binary search for the last start ≤ index. Empty parts share their start with the next part, so the
    // last one wins: it is the part that holds the item.
    let lo = 0
    let hi = starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if (starts[mid] <= index) lo = mid
      else hi = mid - 1
    }
    return parts[lo].at(index - starts[lo])
  })
}
