/**
 * Page tokens: opaque to callers, self-contained for us. A token names the snapshot of the walk's first page
 * (syncId), where the next page starts (offset) and which list it belongs to (a hash of the scope, e.g.
 * `users?status=enabled&role=&q=` or `sync`), so a walk stays on one point in time and a token cannot be replayed
 * against another list or filter.
 *
 * Wire form: base64url of compact JSON `{"v":1,"s":syncId,"o":offset,"h":scopeHash,"c":check}`. `c` is a checksum
 * (not a signature: tokens grant nothing a caller could not ask for directly) that catches truncated or edited tokens.
 */
import { createHash } from 'node:crypto'
import { parameterProblem } from './problem.ts'
import type { HttpProblem } from './problem.ts'
import { isSyncId } from '#src/sync/sync-id.ts'

export const PAGE_TOKEN_VERSION = 1
/** Longest token we accept (ours are ~110 characters). */
export const MAX_PAGE_TOKEN_LENGTH = 512

export interface PageTokenContent {
  readonly syncId: string
  readonly offset: number
  /** What list the token walks (path + filters), compared as a hash. */
  readonly scope: string
}

interface WireToken { v: number, s: string, o: number, h: string, c: string }

const BASE64URL = /^[A-Za-z0-9_-]+$/

function digest (text: string, length: number): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, length)
}

function scopeHash (scope: string): string {
  return digest(`scope\u0000${scope}`, 11)
}

function checksum (v: number, s: string, o: number, h: string): string {
  return digest(`${v}\u0000${s}\u0000${o}\u0000${h}`, 6)
}

export function encodePageToken ({ syncId, offset, scope }: PageTokenContent): string {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`page token offset must be a non-negative integer, not ${offset}`)
  const h = scopeHash(scope)
  const wire: WireToken = { v: PAGE_TOKEN_VERSION, s: syncId, o: offset, h, c: checksum(PAGE_TOKEN_VERSION, syncId, offset, h) }
  return Buffer.from(JSON.stringify(wire), 'utf8').toString('base64url')
}

/** The nextPageToken of a page that ends at `end` of `total` items: "" when it is the last page. */
export function nextPageToken (syncId: string, scope: string, end: number, total: number): string {
  return end < total ? encodePageToken({ syncId, offset: end, scope }) : ''
}

/**
 * The snapshot and offset of a token issued for `scope`. Throws HttpProblem 400 `invalid-page-token` (naming the
 * `pageToken` parameter) for anything we did not issue for this list; whether its snapshot is still held is the
 * caller's question (heldSnapshot → 410).
 */
export function decodePageToken (token: string, scope: string): { syncId: string, offset: number } {
  if (typeof token !== 'string' || token.length === 0) throw invalidPageToken('The pageToken is empty.')
  if (token.length > MAX_PAGE_TOKEN_LENGTH) throw invalidPageToken(`The pageToken is ${token.length} characters long; tokens issued by this service are much shorter.`)
  if (!BASE64URL.test(token)) throw invalidPageToken('The pageToken is not a token issued by this service (it is not base64url).')
  let wire: unknown
  try {
    wire = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
  } catch {
    throw invalidPageToken('The pageToken is not a token issued by this service (truncated or altered).')
  }
  if (!isWireToken(wire)) throw invalidPageToken('The pageToken is not a token issued by this service (truncated or altered).')
  if (wire.v !== PAGE_TOKEN_VERSION) throw invalidPageToken(`The pageToken has version ${wire.v}; this service issues version ${PAGE_TOKEN_VERSION}.`)
  if (wire.c !== checksum(wire.v, wire.s, wire.o, wire.h)) throw invalidPageToken('The pageToken fails its checksum (truncated or altered).')
  if (wire.h !== scopeHash(scope)) {
    throw invalidPageToken('The pageToken belongs to another list or filter; page tokens only work with the path and filters (status, role, q) of the request that returned them.')
  }
  return { syncId: wire.s, offset: wire.o }
}

function isWireToken (x: unknown): x is WireToken {
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return false
  const w = x as Record<string, unknown>
  return typeof w.v === 'number' && typeof w.s === 'string' && isSyncId(w.s) &&
    typeof w.o === 'number' && Number.isSafeInteger(w.o) && w.o >= 0 &&
    typeof w.h === 'string' && typeof w.c === 'string'
}

/** 400 `invalid-page-token`: says what is wrong and that the walk restarts without pageToken. */
export function invalidPageToken (reason: string): HttpProblem {
  const detail = `${reason} Restart the walk without pageToken.`
  return parameterProblem('querystring', 'pageToken', 'Invalid page token', detail, { type: 'invalid-page-token' })
}
