/**
 * The contract between the Zuora connection core and the rest of the service.
 * Everything that speaks to Zuora lives under src/zuora/; the sync engine only sees this interface.
 */
import type { DirectoryGroup, DirectoryUser } from '#src/directory/types.ts'

/** Upstream call classes, used as metric labels and in logs. */
export type UpstreamEndpoint = 'token' | 'users' | 'user' | 'groups' | 'group' | 'discovery'

/** Progress of one directory read, reported after every page. */
export interface ReadProgress {
  readonly phase: 'token' | 'first-pages' | 'pages' | 'done'
  readonly pagesDone: number
  /** Known once the first page of users and of groups has come back. */
  readonly pagesTotal: number | null
  readonly usersRead: number
  readonly groupsRead: number
  /** Upstream retries so far (429, 5xx, resets, timeouts). */
  readonly retries: number
  /** Times the whole queue paused for a rate limit, and the milliseconds spent paused. */
  readonly rateLimitWaits: number
  readonly rateLimitWaitMs: number
}

export interface ReadOptions {
  readonly signal?: AbortSignal
  readonly onProgress?: (progress: ReadProgress) => void
}

/** A complete, validated, de-duplicated read of the directory (users and groups sorted by id). */
export interface DirectoryRead {
  readonly users: readonly DirectoryUser[]
  readonly groups: readonly DirectoryGroup[]
  /** Upstream HTTP requests made (token requests excluded). */
  readonly requests: number
}

/** Hooks for metrics; every member optional, never throws into the caller. */
export interface UpstreamObserver {
  request?(event: { endpoint: UpstreamEndpoint, status: number | 'error', durationMs: number }): void
  retry?(event: { endpoint: UpstreamEndpoint, reason: string }): void
  rateLimitWait?(event: { waitMs: number }): void
  tokenRefresh?(event: { outcome: 'ok' | 'error' }): void
  cache?(event: { outcome: 'hit' | 'miss' | 'stale' | 'inflight' }): void
}

export interface QueueStats {
  readonly active: number
  readonly queued: number
  readonly paused: boolean
  readonly pausedUntil: number | null
  readonly requests: number
  readonly retries: number
  readonly rateLimitWaits: number
  readonly rateLimitWaitMs: number
}

/** Result of the cheap upstream check (token + ServiceProviderConfig), cached briefly. */
export interface UpstreamCheck {
  readonly ok: boolean
  readonly checkedAt: string
  readonly latencyMs: number
  readonly detail?: string
}

export interface ZuoraConnection {
  /** Host of the tenant base URL (e.g. rest.eu.zuora.com), shown as app.tenant. */
  readonly tenant: string
  /** Reads every user and group page. Throws a ZuoraError (never returns a partial read). */
  readDirectory(options?: ReadOptions): Promise<DirectoryRead>
  /** Cached single-resource reads (lru-cache fetch, coalesced). Undefined when Zuora says 404. */
  getUser(id: string, options?: { signal?: AbortSignal }): Promise<DirectoryUser | undefined>
  getGroup(id: string, options?: { signal?: AbortSignal }): Promise<DirectoryGroup | undefined>
  /** Token + ServiceProviderConfig, cached for a short TTL so health probes never stampede Zuora. */
  check(): Promise<UpstreamCheck>
  stats(): QueueStats
  /** Closes the undici pools; pending requests are aborted. */
  close(): Promise<void>
}
