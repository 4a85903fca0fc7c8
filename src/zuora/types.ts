/**
 * The contract between the Zuora connection and the rest of the service: the settings it takes (plain options,
 * config.ts fills them), the normalised users and groups it returns, and the observer hooks metrics feed on.
 */
import type { Secret } from '#src/secret.ts'

/** How a server reads SCIM `startIndex`: a 1-based item index (RFC 7644) or a page number (Zuora's Groups doc). */
export type StartIndexSemantics = 'item' | 'page'
/** How the token request authenticates the client (RFC 6749 §2.3.1): detected, HTTP Basic, or form body. */
export type ClientAuthSetting = 'auto' | 'basic' | 'post'

export interface ZuoraSettings {
  readonly tenantBaseUrl: string
  readonly tokenUrl: string
  readonly scimBaseUrl: string
  readonly clientId: string
  readonly clientSecret: Secret
  readonly maxConcurrency: number
  readonly requestTimeoutMs: number
  readonly maxAttempts: number
  readonly usersPageSize: number
  readonly groupsPageSize: number
  /** A fixed semantics, or 'auto': detected per read by one probe. */
  readonly usersStartIndex: StartIndexSemantics | 'auto'
  readonly groupsStartIndex: StartIndexSemantics | 'auto'
  readonly clientAuth?: ClientAuthSetting
}

/** Upstream call classes, used as metric labels and in logs. */
export type UpstreamEndpoint = 'token' | 'users' | 'groups'

/** Zuora's UserExtension status values (open-ended: an unknown value is kept verbatim). */
export type ZuoraUserStatus = 'ACTIVE' | 'INACTIVE' | 'PENDING_ACTIVATION' | (string & {})

export interface DirectoryEmail {
  readonly value: string
  readonly type?: string
  readonly primary: boolean
}

export interface DirectoryUser {
  /** Immutable Zuora SCIM id: the C1 resource id. */
  readonly id: string
  readonly userName: string
  readonly displayName?: string
  readonly externalId?: string
  readonly givenName?: string
  readonly familyName?: string
  readonly formattedName?: string
  readonly emails: readonly DirectoryEmail[]
  /** SCIM `active`; absent in the payload is kept as undefined (not guessed). */
  readonly active?: boolean
  readonly status?: ZuoraUserStatus
  readonly ssoEnabled?: boolean
  readonly region?: string
  readonly organizationId?: string
  readonly preferredLanguage?: string
  readonly locale?: string
  /** meta.created (ISO-8601). */
  readonly created?: string
  /** Distinct role values, sorted. */
  readonly roles: readonly string[]
  /** Distinct group ids of the user's direct (or untyped) `groups[]` entries, sorted. */
  readonly groups: readonly string[]
  /** Groups reached through nested groups (`groups[]` entries typed "indirect"), sorted; absent when none. */
  readonly indirectGroups?: readonly string[]
}

export interface DirectoryGroup {
  readonly id: string
  readonly displayName: string
  readonly description?: string
  readonly organizationId?: string
  /** GroupExtension.active (a deleted group comes back with active:false). */
  readonly active?: boolean
  /** Distinct member user ids from `members[]`, sorted (nested groups are not users). */
  readonly members: readonly string[]
  /** Nested group ids (members typed Group, or with a $ref to /Groups/), sorted; absent when none. */
  readonly nestedGroups?: readonly string[]
}

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
  /** Called with each page's users or groups as soon as they are parsed (while the read waits for more). */
  readonly onItems?: (items: readonly object[]) => void
}

/** A complete, validated, de-duplicated read of the directory (users and groups sorted by id). */
export interface DirectoryRead {
  readonly users: readonly DirectoryUser[]
  readonly groups: readonly DirectoryGroup[]
  /** Upstream HTTP requests made (token requests excluded). */
  readonly requests: number
}

/** Hooks for metrics; every member optional. */
export interface UpstreamObserver {
  request?(event: { endpoint: UpstreamEndpoint, status: number | 'error', durationMs: number }): void
  retry?(event: { endpoint: UpstreamEndpoint, reason: string }): void
  rateLimitWait?(event: { waitMs: number }): void
  tokenRefresh?(event: { outcome: 'ok' | 'error' }): void
}
