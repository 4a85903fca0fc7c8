/**
 * One simulator's state and its programmatic control surface: the directory (inherited), the knobs, counters, issued
 * tokens, faults and rate limiter. The routes read and update it; tests drive it through `control`.
 */
import { Directory } from './directory.ts'
import { FaultEngine, RateLimiter, type FailPageRule, type FaultKind, type FaultTarget, type RandomFaultOptions, type RateLimitOptions, type RouteName } from './faults.ts'
import type { FastifyServerOptions } from 'fastify'
import { generateOrg } from './org.ts'
import type { Seed } from './random.ts'

/** Documented defaults of the simulator's OAuth client (not a secret: test-only credentials). */
export const SIM_CLIENT_ID = '00000000-0000-4000-8000-00000000c1a0'
export const SIM_CLIENT_SECRET = 'sim-secret-do-not-use-in-production'

/** Hostile modes of the lists (simulator/README.md: Options). */
export interface HostileOptions {
  hugePage?: number
  deepNesting?: number
  /** true: users whose id ends in '0'; or an explicit list of ids. */
  wrongTypes?: boolean | readonly string[]
  duplicateIds?: boolean
  totalResultsLie?: number
  /** true → http://redirect.invalid */
  redirect?: string | boolean
}

export type StartIndexMode = 'item' | 'page'

/**
 * Everything that can change at run time through `control.set()` or POST /_sim/options, with its default; what each
 * does is listed in simulator/README.md (Options).
 */
const DEFAULT_KNOBS = {
  /** Counted from the request's arrival (SCIM and token requests). */
  latencyMs: 0,
  routeLatencyMs: {} as Partial<Record<RouteName, number>>,
  listKey: 'resources' as 'resources' | 'Resources',
  omitPagingFields: false,
  usersStartIndex: 'item' as StartIndexMode,
  groupsStartIndex: 'page' as StartIndexMode,
  usersDefaultCount: 100,
  usersMaxCount: 100,
  groupsDefaultCount: 10,
  groupsMaxCount: 100,
  /** Overrides expires_in of both token endpoints (defaults 3599 REST / 3600 OneID). */
  tokenTtlSeconds: null as number | null,
  tokenRateLimited: false,
  /** Retry-After (seconds) for injected 429s / 503s and the token 429. */
  retryAfterSeconds: 1,
  /** Body shape of 5xx (and injected 429) answers. */
  errorShape: 'scim' as 'scim' | 'zuora' | 'html',
  slowMs: 1000,
  gatewayTimeoutDelayMs: 0,
  hostile: {} as HostileOptions,
  /** meta.location prefix (Zuora's samples: http://localhost:9900). */
  locationBase: 'http://localhost:9900',
  /** Like Zuora: gzip SCIM answers over 1000 bytes when the request accepts gzip. */
  gzip: false,
  /** form body (client_secret_post) or HTTP Basic only. */
  tokenClientAuth: 'post' as 'post' | 'basic',
  /** RFC 7643 typed memberships: direct/indirect groups[] with $ref, members typed User/Group. */
  rfcMemberships: false
}
Object.freeze(DEFAULT_KNOBS)
export type SimulatorKnobs = typeof DEFAULT_KNOBS

/** Knobs that can be changed at run time (control.set / POST /_sim/options). */
export interface SimulatorSettings extends Partial<SimulatorKnobs> {
  /** null turns the rate limiter off. */
  rateLimit?: RateLimitOptions | null
  /** Seeded random faults; null turns them off. */
  faults?: RandomFaultOptions | null
}

function pickKnobs (s: SimulatorSettings): Partial<SimulatorKnobs> {
  return Object.fromEntries(Object.keys(DEFAULT_KNOBS).flatMap(k => s[k as keyof SimulatorKnobs] === undefined ? [] : [[k, s[k as keyof SimulatorKnobs]]]))
}

const CHOICES = [['listKey', 'resources', 'Resources'], ['usersStartIndex', 'item', 'page'], ['groupsStartIndex', 'item', 'page'],
  ['errorShape', 'scim', 'zuora', 'html'], ['tokenClientAuth', 'post', 'basic']] as const
const COUNTS = ['usersDefaultCount', 'usersMaxCount', 'groupsDefaultCount', 'groupsMaxCount', 'retryAfterSeconds'] as const

/** Throws the first problem, in this order, e.g. `errorShape must be 'scim', 'zuora' or 'html'`. */
function validateKnobs (k: SimulatorKnobs): void {
  for (const [key, ...allowed] of CHOICES) {
    const quoted = allowed.map(v => `'${v}'`)
    if (!(allowed as readonly unknown[]).includes(k[key])) throw new Error(`${key} must be ${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1)}`)
  }
  if (typeof k.rfcMemberships !== 'boolean') throw new Error('rfcMemberships must be a boolean')
  for (const key of COUNTS) if (!Number.isInteger(k[key]) || k[key] < 0) throw new Error(`${key} must be a non-negative integer`)
  for (const key of ['latencyMs', 'slowMs', 'gatewayTimeoutDelayMs'] as const) {
    if (typeof k[key] !== 'number' || !(k[key] >= 0)) throw new Error(`${key} must be a number >= 0`)
  }
  if (k.tokenTtlSeconds !== null && (typeof k.tokenTtlSeconds !== 'number' || !(k.tokenTtlSeconds >= 0))) {
    throw new Error('tokenTtlSeconds must be null or a number >= 0')
  }
  for (const key of ['hostile', 'routeLatencyMs'] as const) {
    if (typeof k[key] !== 'object' || k[key] === null) throw new Error(`${key} must be an object`)
  }
}

function newCounters () {
  return {
    /** route → status → count ('reset' for destroyed sockets). */
    requests: {} as Record<string, Record<string, number>>,
    /** Total SCIM + token requests (control routes excluded). */
    totalRequests: 0,
    tokenRequests: 0,
    /** Tokens actually issued (200 answers of both token endpoints). */
    tokensIssued: 0,
    inFlight: 0,
    maxConcurrent: 0,
    requestsDuringRetryAfter: 0,
    rateLimited: 0,
    faultsInjected: 0,
    faultsByKind: {} as Record<string, number>,
    pagesServed: { users: 0, groups: 0 },
    unauthorized: 0
  }
}
export type CountersSnapshot = ReturnType<typeof newCounters>

/**
 * The standards flavour: capital `Resources`, item-index Groups, a Basic-only token endpoint, RFC 7643 typed
 * memberships (indirect groups[] entries, nested groups), and a page-size cap below the client's count (100).
 */
const FLAVORS: Record<'zuora' | 'standard', Partial<SimulatorKnobs>> = {
  zuora: {},
  standard: { listKey: 'Resources', groupsStartIndex: 'item', usersMaxCount: 50, groupsMaxCount: 40, groupsDefaultCount: 100, tokenClientAuth: 'basic', rfcMemberships: true }
}

export interface SimulatorOptions extends SimulatorSettings {
  /**
   * 'zuora' (default): Zuora as documented. 'standard': a plain RFC 7643/7644 server (see FLAVORS) whose
   * generated org also has nested groups. Explicit knobs override the flavour's.
   */
  flavor?: keyof typeof FLAVORS
  /** Org size and seed (defaults 250 users, 12 groups, seed 1). */
  users?: number
  groups?: number
  seed?: Seed
  rolesPool?: readonly string[]
  clientId?: string
  clientSecret?: string
  /** Fastify logger option (default false). */
  logger?: FastifyServerOptions['logger']
}

export class SimulatorControl extends Directory {
  readonly clientId: string
  readonly clientSecret: string
  knobs: SimulatorKnobs
  /** Counters as the routes update them (`counters()` is a copy). */
  stats = newCounters()
  /** Issued token → expiry (epoch ms). */
  readonly tokens = new Map<string, number>()
  readonly faults = new FaultEngine()
  readonly limiter = new RateLimiter()
  /** mutateAfterPages hooks: run once pagesServed (users + groups) reaches `at`. */
  #pageHooks: Array<{ at: number, fn: () => void }> = []
  /** What `reset()` returns to. */
  readonly #start: { knobs: SimulatorKnobs, options: SimulatorOptions, org: Parameters<typeof generateOrg>[0] & { seed: Seed } }

  constructor (options: SimulatorOptions = {}) {
    const flavor = options.flavor ?? 'zuora'
    if (flavor !== 'zuora' && flavor !== 'standard') throw new Error('flavor must be \'zuora\' or \'standard\'')
    const knobs: SimulatorKnobs = { ...DEFAULT_KNOBS, ...FLAVORS[flavor], ...pickKnobs(options) }
    validateKnobs(knobs)
    const org = { users: options.users, groups: options.groups, seed: options.seed ?? 1, rolesPool: options.rolesPool, nestedGroups: flavor === 'standard' }
    super(generateOrg(org))
    this.#start = { knobs, options, org }
    this.clientId = options.clientId ?? SIM_CLIENT_ID
    this.clientSecret = options.clientSecret ?? SIM_CLIENT_SECRET
    this.knobs = { ...knobs }
    this.limiter.configure(options.rateLimit)
    this.faults.configure(options.faults)
  }

  /** Changes knobs (shallow merge; `hostile` and `routeLatencyMs` replace as a whole). */
  set (settings: SimulatorSettings): void {
    const next = { ...this.knobs, ...pickKnobs(settings) }
    validateKnobs(next)
    if (settings.rateLimit !== undefined) this.limiter.configure(settings.rateLimit)
    if (settings.faults !== undefined) this.faults.configure(settings.faults)
    this.knobs = next
  }

  settings (): SimulatorKnobs & { rateLimit: RateLimitOptions | null, faults: RandomFaultOptions | null } {
    return structuredClone({ ...this.knobs, rateLimit: this.limiter.options, faults: this.faults.options })
  }

  counters (): CountersSnapshot { return structuredClone(this.stats) }

  resetCounters (): void {
    const inFlight = this.stats.inFlight
    this.stats = { ...newCounters(), inFlight, maxConcurrent: inFlight }
    this.limiter.resetTracking()
  }

  /** Every issued token becomes invalid (SCIM answers 401 until a new token is fetched). */
  revokeTokens (): number {
    const n = this.tokens.size
    this.tokens.clear()
    return n
  }

  /** The next n matching requests fail with `kind` (target default 'scim'). */
  failNext (n: number, kind: FaultKind, target?: FaultTarget): void { this.faults.failNext(n, kind, target) }
  /** Fail a given list page (users or groups) `times` times. */
  failPage (rule: FailPageRule): void { this.faults.failPage(rule) }
  /** Drops failNext/failPage rules and random faults. */
  clearFaults (): void { this.faults.clear() }

  /** Runs fn after the next n list pages (users + groups) have been served, before the next page is answered. */
  mutateAfterPages (n: number, fn: (control: SimulatorControl) => void): void {
    const served = this.stats.pagesServed.users + this.stats.pagesServed.groups
    this.#pageHooks.push({ at: served + Math.max(1, Math.trunc(n)), fn: () => fn(this) })
  }

  /** Counts a served list page and runs the mutation hooks that are due. */
  pageServed (resource: 'users' | 'groups'): void {
    this.stats.pagesServed[resource]++
    const total = this.stats.pagesServed.users + this.stats.pagesServed.groups
    const due = this.#pageHooks.filter(h => h.at <= total)
    this.#pageHooks = this.#pageHooks.filter(h => h.at > total)
    for (const h of due) h.fn()
  }

  /**
   * Back to the start: regenerates the org (same size; `seed` or the original seed), restores the
   * initial knobs, clears faults and page hooks, resets counters. Issued tokens stay valid.
   */
  reset (seed?: Seed): void {
    this.replace(generateOrg({ ...this.#start.org, seed: seed ?? this.#start.org.seed }))
    this.knobs = { ...this.#start.knobs }
    this.limiter.configure(this.#start.options.rateLimit)
    this.faults.clear()
    this.faults.configure(this.#start.options.faults)
    this.#pageHooks = []
    this.resetCounters()
  }
}
