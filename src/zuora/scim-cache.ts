/**
 * Short-lived cache for single-resource reads (getUser/getGroup) and the upstream check, on lru-cache 11
 * `fetch()`: concurrent callers for one key share one upstream call; stale entries are served while a refresh
 * runs, and when a refresh fails. A cold-cache failure THROWS the upstream ZuoraError (lru-cache would
 * otherwise resolve undefined, which would read as "not found").
 */
import { LRUCache } from 'lru-cache'
import { ZuoraError } from './errors.ts'
import { safeObserver } from './observer.ts'
import type { UpstreamObserver } from './types.ts'

export interface CachedLookupOptions<V> {
  /** Loads a value; `undefined` means "does not exist" and is cached as such. */
  readonly load: (key: string, signal: AbortSignal) => Promise<V | undefined>
  readonly max?: number
  readonly ttlMs?: number
  readonly observer?: UpstreamObserver
  /** Time source for TTLs (tests); any object with `now()`. */
  readonly perf?: { now(): number }
}

export interface CachedLookup<V> {
  get(key: string, options?: { signal?: AbortSignal }): Promise<V | undefined>
  clear(): void
  readonly size: () => number
}

/** Wraps values so that "not found" is a cacheable value (lru-cache never stores undefined). */
interface Box<V> { readonly value: V | undefined }

function raceAbort<T> (p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return p
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => { reject(signal.reason) }
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      v => { signal.removeEventListener('abort', onAbort); resolve(v) },
      e => { signal.removeEventListener('abort', onAbort); reject(e) }
    )
  })
}

export function createCachedLookup<V> (options: CachedLookupOptions<V>): CachedLookup<V> {
  const observer = safeObserver(options.observer)
  const lastError = new Map<string, unknown>()
  const cache = new LRUCache<string, Box<V>>({
    max: options.max ?? 1000,
    ttl: options.ttlMs ?? 60_000,
    allowStale: true,
    allowStaleOnFetchRejection: true,
    // exact TTL checks (no 1 ms debounce of now()): cheap at this size, and exact with an injected clock
    ttlResolution: 0,
    ...(options.perf !== undefined ? { perf: options.perf } : {}),
    fetchMethod: async (key, _stale, { signal }) => {
      try {
        const value = await options.load(key, signal)
        lastError.delete(key)
        return { value }
      } catch (err) {
        lastError.set(key, err)
        throw err
      }
    }
  })

  async function get (key: string, opts: { signal?: AbortSignal } = {}): Promise<V | undefined> {
    const status: LRUCache.Status<string, Box<V>> = {}
    let box: Box<V>
    try {
      // The caller's signal only stops the caller's wait: the shared fetch serves every coalesced caller.
      box = await raceAbort(cache.forceFetch(key, { status }), opts.signal)
    } catch (err) {
      if (opts.signal?.aborted === true) throw new ZuoraError('Cached Zuora read aborted', { kind: 'aborted', endpoint: 'user', cause: err })
      observer.cache({ outcome: 'miss' })
      const upstream = lastError.get(key)
      if (upstream !== undefined) throw upstream
      throw err
    }
    const outcome = status.fetch === 'hit'
      ? 'hit'
      : status.fetch === 'inflight'
        ? 'inflight'
        : status.fetch === 'stale' || status.returnedStale === true ? 'stale' : 'miss'
    observer.cache({ outcome })
    return box.value
  }

  return {
    get,
    clear: () => { cache.clear(); lastError.clear() },
    size: () => cache.size
  }
}
