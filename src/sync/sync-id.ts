/**
 * Sync ids: KSUIDs (what baton uses for its sync ids). 20 bytes = 4-byte big-endian seconds since the KSUID
 * epoch (2014-05-13T16:53:20Z) + 16 bytes of payload, in base62 (0-9A-Za-z), zero-padded to 27 characters.
 * Lexicographic order is time order (second precision). Within one process ids are strictly increasing:
 * a second id in the same second (or after the clock stepped back) takes the previous payload + 1.
 */
import { randomBytes } from 'node:crypto'

export const SYNC_ID_EPOCH_SECONDS = 1_400_000_000
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const LENGTH = 27
const BYTES = 20
/** Base62 of 2^160 - 1: the largest valid id. */
const MAX = 'aWgEPTl1tmebfsQzFP4bxwgy80V'
const SHAPE = /^[0-9A-Za-z]{27}$/

let lastSeconds = -1
let lastPayload: Buffer | undefined

function increment (payload: Buffer): Buffer | undefined {
  const next = Buffer.from(payload)
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i] === 0xff) { next[i] = 0; continue }
    next[i]++
    return next
  }
  return undefined // wrapped: 2^128 ids in one second
}

export function encodeBase62 (bytes: Uint8Array): string {
  let n = 0n
  for (const b of bytes) n = (n << 8n) | BigInt(b)
  let out = ''
  while (n > 0n) {
    out = ALPHABET[Number(n % 62n)] + out
    n /= 62n
  }
  return out.padStart(LENGTH, '0')
}

/** A new sync id for the time `now` (milliseconds since the Unix epoch). */
export function newSyncId (now: number = Date.now()): string {
  if (!Number.isFinite(now)) throw new RangeError(`invalid time: ${now}`)
  let seconds = Math.floor(now / 1000) - SYNC_ID_EPOCH_SECONDS
  if (seconds < 0 || seconds > 0xffffffff) throw new RangeError(`time out of the sync id range: ${new Date(now).toISOString()}`)
  let payload: Buffer | undefined
  if (lastPayload !== undefined && seconds <= lastSeconds) {
    // Same second (or the clock went back): keep the order strictly increasing within this process.
    seconds = lastSeconds
    payload = increment(lastPayload)
    if (payload === undefined) seconds++
  }
  payload ??= randomBytes(16)
  lastSeconds = seconds
  lastPayload = payload
  const bytes = Buffer.alloc(BYTES)
  bytes.writeUInt32BE(seconds, 0)
  payload.copy(bytes, 4)
  return encodeBase62(bytes)
}

/** True for a well-formed sync id (27 base62 characters within the 160-bit range). */
export function isSyncId (s: unknown): s is string {
  return typeof s === 'string' && SHAPE.test(s) && s <= MAX
}
