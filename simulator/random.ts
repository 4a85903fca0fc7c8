/** Small seeded PRNG helpers: deterministic for a seed, fast enough for 100k-user orgs. */

export type Seed = number | string

/** Turns a number or string seed into a 32-bit unsigned integer (FNV-1a for strings). */
export function hashSeed (seed: Seed): number {
  if (typeof seed === 'number' && Number.isFinite(seed)) return (Math.trunc(seed) >>> 0) ^ 0x9e3779b9
  const s = String(seed)
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

export interface Rng {
  /** Uniform in [0, 1). */
  next(): number
  /** 32-bit unsigned integer. */
  u32(): number
  /** Integer in [0, n). */
  int(n: number): number
  pick<T>(items: readonly T[]): T
  chance(p: number): boolean
  uuid(): string
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function hex32 (n: number): string {
  return HEX[(n >>> 24) & 255] + HEX[(n >>> 16) & 255] + HEX[(n >>> 8) & 255] + HEX[n & 255]
}

/** mulberry32: tiny, fast, good enough for test data and fault schedules. */
export function createRng (seed: Seed): Rng {
  let state = hashSeed(seed)
  const u32 = (): number => {
    state = (state + 0x6d2b79f5) | 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  const next = (): number => u32() / 4294967296
  return {
    next,
    u32,
    int: (n) => Math.floor(next() * n),
    pick: (items) => items[Math.floor(next() * items.length)],
    chance: (p) => next() < p,
    uuid: () => {
      const a = u32()
      const b = u32()
      const c = u32()
      const d = u32()
      // version 4 (b: 0x....4xxx), variant 10xx (c: top bits 10)
      const bv = (b & 0xffff0fff) | 0x00004000
      const cv = ((c & 0x3fffffff) | 0x80000000) >>> 0
      return HEX[a >>> 24] + HEX[(a >>> 16) & 255] + HEX[(a >>> 8) & 255] + HEX[a & 255] + '-' +
        HEX[bv >>> 24 & 255] + HEX[(bv >>> 16) & 255] + '-' + HEX[(bv >>> 8) & 255] + HEX[bv & 255] + '-' +
        HEX[cv >>> 24] + HEX[(cv >>> 16) & 255] + '-' + HEX[(cv >>> 8) & 255] + HEX[cv & 255] +
        HEX[d >>> 24] + HEX[(d >>> 16) & 255] + HEX[(d >>> 8) & 255] + HEX[d & 255]
    }
  }
}

/** 32 lowercase hex characters (REST-style opaque token). */
export function randomHex32 (rng: Rng): string {
  return hex32(rng.u32()) + hex32(rng.u32()) + hex32(rng.u32()) + hex32(rng.u32())
}
