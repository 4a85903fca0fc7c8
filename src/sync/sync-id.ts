/**
 * Sync ids: KSUIDs (what baton uses for its sync ids). 20 bytes = 4-byte big-endian seconds since the KSUID
 * epoch (2014-05-13T16:53:20Z) + 16 bytes of payload, in base62 (0-9A-Za-z), zero-padded to 27 characters.
 * Lexicographic order is time order (second precision). Within one process ids are strictly increasing:
 * an id that would not be larger than the previous one (same second, or the clock stepped back) is the previous + 1.
 */
import { randomBytes } from 'node:crypto'

export const SYNC_ID_EPOCH_SECONDS = 1_400_000_000
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
/** Base62 of 2^160 - 1: the largest valid id. */
const MAX = 'aWgEPTl1tmebfsQzFP4bxwgy80V'
const SHAPE = /^[0-9A-Za-z]{27}$/

/** The last id minted here, as its 160-bit number. */
let last = -1n

function base62 (n: bigint): string {
  let out = ''
  for (; n > 0n; n /= 62n) out = ALPHABET[Number(n % 62n)] + out
  return out.padStart(27, '0')
}

/** A new sync id for the time `now` (milliseconds since the Unix epoch). */
export function newSyncId (now: number = Date.now()): string {
  if (!Number.isFinite(now)) throw new RangeError(`invalid time: ${now}`)
  const seconds = Math.floor(now / 1000) - SYNC_ID_EPOCH_SECONDS
  if (seconds < 0 || seconds > 0xffffffff) throw new RangeError(`time out of the sync id range: ${new Date(now).toISOString()}`)
  const id = (BigInt(seconds) << 128n) | BigInt(`0x${randomBytes(16).toString('hex')}`)
  last = id > last ? id : last + 1n
  return base62(last)
}

/** True for a well-formed sync id (27 base62 characters within the 160-bit range). */
export function isSyncId (s: unknown): s is string {
  return typeof s === 'string' && SHAPE.test(s) && s <= MAX
}
