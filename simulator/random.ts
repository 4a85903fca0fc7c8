/** Small seeded PRNG: deterministic for a seed, fast enough for 100k-user orgs and fault schedules. */

export type Seed = number | string
export type Rng = ReturnType<typeof createRng>

/** A number or string seed as a 32-bit unsigned integer (FNV-1a for strings). */
function hashSeed (seed: Seed): number {
  if (typeof seed === 'number' && Number.isFinite(seed)) return (Math.trunc(seed) >>> 0) ^ 0x9e3779b9
  const s = String(seed)
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

function hex32 (n: number): string {
  return HEX[(n >>> 24) & 255] + HEX[(n >>> 16) & 255] + HEX[(n >>> 8) & 255] + HEX[n & 255]
}

/** mulberry32: tiny, fast, good enough for test data and fault schedules. */
export function createRng (seed: Seed) {
  let state = hashSeed(seed)
  const u32 = (): number => {
    state = (state + 0x6d2b79f5) | 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
  /** Uniform in [0, 1). */
  const next = (): number => u32() / 4294967296
  return {
    next,
    /** Integer in [0, n). */
    int: (n: number): number => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)],
    chance: (p: number): boolean => next() < p,
    uuid: (): string => {
      const a = hex32(u32())
      // version 4 (b: ....4xxx), variant 10xx (c: top bits 10)
      const b = hex32((u32() & 0xffff0fff) | 0x00004000)
      const c = hex32(((u32() & 0x3fffffff) | 0x80000000) >>> 0)
      return `${a}-${b.slice(0, 4)}-${b.slice(4)}-${c.slice(0, 4)}-${c.slice(4)}${hex32(u32())}`
    }
  }
}
