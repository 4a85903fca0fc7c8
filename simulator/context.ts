/** Shared state of one simulator instance: knobs, directory, tokens, counters, faults, rate limiter. */
import type { FastifyReply } from 'fastify'
import type { FaultEngine, RateLimiter } from './faults.ts'
import type { Counters, Directory, RouteName, TokenStore } from './state.ts'
import { DEFAULT_LOCATION_BASE } from './scim-shapes.ts'

/** Documented defaults of the simulator's OAuth client (not a secret: test-only credentials). */
export const SIM_CLIENT_ID = '00000000-0000-4000-8000-00000000c1a0'
export const SIM_CLIENT_SECRET = 'sim-secret-do-not-use-in-production'

export interface HostileOptions {
  /** Bytes of padding added to every list page (e.g. 8_000_000 for 8 MB pages). */
  hugePage?: number
  /** Depth of a nested object (`urn:sim:nested`) added to the first user of every Users page and every user GET. */
  deepNesting?: number
  /** true: users whose id ends in '0' get roles as a string and active as "yes"; or an explicit list of ids. */
  wrongTypes?: boolean | readonly string[]
  /** Users listing repeats some users on a later page (every 50th user from index 101 re-appears 101 places later). */
  duplicateIds?: boolean
  /** Added to totalResults of Users and Groups lists (positive: claims more than exist). */
  totalResultsLie?: number
  /** Every SCIM request answers 302 to this base (true → http://redirect.invalid). */
  redirect?: string | boolean
}

export type StartIndexMode = 'item' | 'page'
/** Which server the simulator behaves like: Zuora as documented, or a plain RFC 7643/7644 SCIM server. */
export type SimFlavor = 'zuora' | 'standard'
/** How the token endpoints authenticate the client: form body (client_secret_post) or HTTP Basic only. */
export type TokenClientAuth = 'post' | 'basic'
export type ErrorShape = 'scim' | 'zuora' | 'html'

/** Everything that can change at run time through `control.set()` or POST /_sim/options. */
export interface SimulatorKnobs {
  /** Added to every request (SCIM and token). */
  latencyMs: number
  /** Extra latency per route. */
  routeLatencyMs: Partial<Record<RouteName, number>>
  listKey: 'resources' | 'Resources'
  omitPagingFields: boolean
  usersStartIndex: StartIndexMode
  groupsStartIndex: StartIndexMode
  usersDefaultCount: number
  usersMaxCount: number
  groupsDefaultCount: number
  groupsMaxCount: number
  /** Overrides expires_in of both token endpoints (defaults 3599 REST / 3600 OneID). */
  tokenTtlSeconds: number | null
  /** Token endpoints answer 429 + Retry-After while true. */
  tokenRateLimited: boolean
  /** Retry-After (seconds) for injected 429s / 503s and the token 429. */
  retryAfterSeconds: number
  /** Body shape of 5xx (and injected 429) answers. */
  errorShape: ErrorShape
  /** Delay of the 'slow' fault. */
  slowMs: number
  /** Delay before an injected 504. */
  gatewayTimeoutDelayMs: number
  hostile: HostileOptions
  /** meta.location prefix (Zuora's samples: http://localhost:9900). */
  locationBase: string
  /** Like Zuora: gzip SCIM answers over 1000 bytes when the request accepts gzip (off by default). */
  gzip: boolean
  /** Client authentication the token endpoints accept (Zuora documents the form body). */
  tokenClientAuth: TokenClientAuth
  /**
   * RFC 7643 memberships: user groups[] entries typed direct/indirect (through nested groups) with $ref, group
   * members typed User/Group with $ref (every other nested group given by $ref only, no type).
   */
  rfcMemberships: boolean
}

export const DEFAULT_KNOBS: Readonly<SimulatorKnobs> = Object.freeze({
  latencyMs: 0,
  routeLatencyMs: {},
  listKey: 'resources',
  omitPagingFields: false,
  usersStartIndex: 'item',
  groupsStartIndex: 'page',
  usersDefaultCount: 100,
  usersMaxCount: 100,
  groupsDefaultCount: 10,
  groupsMaxCount: 100,
  tokenTtlSeconds: null,
  tokenRateLimited: false,
  retryAfterSeconds: 1,
  errorShape: 'scim',
  slowMs: 1000,
  gatewayTimeoutDelayMs: 0,
  hostile: {},
  locationBase: DEFAULT_LOCATION_BASE,
  gzip: false,
  tokenClientAuth: 'post',
  rfcMemberships: false
})

/**
 * The standards flavour: capital `Resources`, item-index Groups, a Basic-only token endpoint, RFC 7643 typed
 * memberships (indirect groups[] entries, nested groups), and a page-size cap below the client's count (100).
 */
export const STANDARD_KNOBS: Readonly<Partial<SimulatorKnobs>> = Object.freeze({
  listKey: 'Resources',
  groupsStartIndex: 'item',
  usersMaxCount: 50,
  groupsMaxCount: 40,
  groupsDefaultCount: 100,
  tokenClientAuth: 'basic',
  rfcMemberships: true
})

export interface PageHook {
  /** pagesServed (users + groups) at which to run. */
  at: number
  fn: () => void
}

export interface SimContext {
  knobs: SimulatorKnobs
  dir: Directory
  tokens: TokenStore
  counters: Counters
  faults: FaultEngine
  limiter: RateLimiter
  clientId: string
  clientSecret: string
  pageHooks: PageHook[]
}

export const JSON_TYPE = 'application/json; charset=utf-8'

export function sendJson (reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(JSON_TYPE).send(typeof body === 'string' ? body : JSON.stringify(body))
}

export function sleep (ms: number): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, ms))
}
