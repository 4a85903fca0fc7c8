/**
 * Per-snapshot views of the lists: which items a (filtered) list holds, and the serialised pages already sent.
 * A snapshot never changes, so everything derived from (syncId, scope) can be cached until the LRU drops it;
 * a warm `GET /users?pageSize=100` is then a cache lookup. Nothing here references a Snapshot object, so an
 * evicted snapshot is not kept alive by the cache.
 */
import { LRUCache } from 'lru-cache'
import { userDisplayName, userStatus } from '#src/c1/mapping.ts'
import type { DirectoryUser } from '#src/directory/types.ts'
import { seqOf } from '#src/sync/seq.ts'
import type { Seq } from '#src/sync/seq.ts'
import type { UsersQuery } from './list-query.ts'

/** The filters of GET /users (absent: not filtered on). */
export type UserFilter = Pick<UsersQuery, 'status' | 'role' | 'q'>

export function isEmptyFilter (f: UserFilter): boolean {
  return f.status === undefined && f.role === undefined && f.q === undefined
}

/** The page-token scope of a users walk: the list plus its filters in one canonical form (q is case-insensitive). */
export function usersScope (f: UserFilter): string {
  const q = f.q === undefined ? '' : f.q.toLowerCase()
  return `users?status=${f.status ?? ''}&role=${encodeURIComponent(f.role ?? '')}&q=${encodeURIComponent(q)}`
}

export function userMatches (u: DirectoryUser, f: UserFilter): boolean {
  if (f.status !== undefined && (userStatus(u).resource === 'RESOURCE_STATUS_ENABLED') !== (f.status === 'enabled')) return false
  if (f.role !== undefined && !u.roles.includes(f.role)) return false
  if (f.q === undefined) return true
  const q = f.q.toLowerCase()
  return u.userName.toLowerCase().includes(q) || userDisplayName(u).toLowerCase().includes(q) || u.emails.some((e) => e.value.toLowerCase().includes(q))
}

/** The items of `seq` at `indexes`, as a Seq (still lazy). */
export function pickSeq<T> (seq: Seq<T>, indexes: ArrayLike<number>): Seq<T> {
  return seqOf(indexes.length, (i) => seq.at(indexes[i] as number))
}

/** Items [offset, offset + pageSize) of `seq`; `end` is the offset of the next page (`total` after the last one). */
export function slicePage<T> (seq: Seq<T>, offset: number, pageSize: number) {
  const from = Math.min(Math.max(0, offset), seq.length)
  const end = Math.min(seq.length, from + pageSize)
  return { items: seq.slice(from, end), end, total: seq.length }
}

function cached<V extends {}> (cache: LRUCache<string, V>, key: string, build: () => V): V {
  const hit = cache.get(key)
  if (hit !== undefined) return hit
  const value = build()
  cache.set(key, value)
  return value
}

/** `maxIndexes`: filtered index lists kept (each ≤ 4 bytes per user); `maxPages`, `maxPageBytes`: serialised pages kept. */
export function createViewCache (options: { maxIndexes?: number, maxPages?: number, maxPageBytes?: number } = {}) {
  const indexes = new LRUCache<string, Uint32Array>({ max: options.maxIndexes ?? 64 })
  const pages = new LRUCache<string, Buffer>({
    max: options.maxPages ?? 512,
    maxSize: options.maxPageBytes ?? 64 * 1024 * 1024,
    sizeCalculation: (body) => Math.max(1, body.length)
  })
  return {
    /** Positions (in directory order, i.e. by id) of the users of snapshot `syncId` passing `f`, computed once per (syncId, filter). */
    userIndexes (syncId: string, users: readonly DirectoryUser[], f: UserFilter): Uint32Array {
      return cached(indexes, `${syncId}\u0000${usersScope(f)}`, () => {
        const hits: number[] = []
        users.forEach((u, i) => { if (userMatches(u, f)) hits.push(i) })
        return Uint32Array.from(hits)
      })
    },
    /** The serialised page `key` of snapshot `syncId` (UTF-8 bytes, sent without re-encoding), built by `build` on a miss. */
    page (syncId: string, key: string, build: () => string): Buffer {
      return cached(pages, `${syncId}\u0000${key}`, () => Buffer.from(build(), 'utf8'))
    },
    clear () {
      indexes.clear()
      pages.clear()
    },
    get size () {
      return { indexes: indexes.size, pages: pages.size }
    }
  }
}
