/** Seeded fault injection (random, next-n, per-page) and a fixed-window rate limiter with Retry-After tracking. */
import { createRng, type Rng, type Seed } from './random.ts'

export const FAULT_KINDS = ['429', '500', '502', '503', '504', 'reset', 'malformed', 'slow', 'html502'] as const
export type FaultKind = typeof FAULT_KINDS[number]

/** Route names (counters, `routeLatencyMs`, fault targets). */
export type RouteName = 'oauth.token' | 'oauth2.token' | 'users.list' | 'groups.list' | 'other'
/** Which requests a fault applies to: a route, 'scim' (every SCIM route), 'token' (both token routes) or 'any'. */
export type FaultTarget = RouteName | 'scim' | 'token' | 'any'

export interface RandomFaultOptions {
  /** Same seed + same request order → same faults. */
  seed?: Seed
  /** Probability per eligible request, 0..1. */
  rate: number
  /** Default: every kind except 'slow'. */
  kinds?: readonly FaultKind[]
  /** Default 'scim'. */
  target?: FaultTarget
}

export interface PageRef {
  resource: 'users' | 'groups'
  /** 1-based page number (item semantics: floor((startIndex-1)/count)+1; page semantics: startIndex). */
  page: number
}

export interface FailPageRule extends PageRef {
  kind: FaultKind
  /** How many times to fail that page (default 1). */
  times?: number
}

export function isFaultKind (k: unknown): k is FaultKind {
  return typeof k === 'string' && (FAULT_KINDS as readonly string[]).includes(k)
}

function routeMatches (target: FaultTarget, route: RouteName): boolean {
  const token = route === 'oauth.token' || route === 'oauth2.token'
  if (target === 'token') return token
  if (target === 'scim') return !token && route !== 'other'
  return target === 'any' || target === route
}

interface Rule { kind: FaultKind, remaining: number, matches: (route: RouteName, page?: PageRef) => boolean }

/** Consumes one use of the first matching rule. */
function take (rules: Rule[], route: RouteName, page?: PageRef): FaultKind | undefined {
  const i = rules.findIndex(r => r.matches(route, page))
  if (i < 0) return undefined
  const rule = rules[i]
  if (--rule.remaining <= 0) rules.splice(i, 1)
  return rule.kind
}

export class FaultEngine {
  #random: { rng: Rng, rate: number, kinds: readonly FaultKind[], target: FaultTarget } | undefined
  #options: RandomFaultOptions | null = null
  #pending: Rule[] = []
  #pageRules: Rule[] = []

  /** Random faults; null turns them off. Re-seeds the schedule each time. */
  configure (options: RandomFaultOptions | null | undefined): void {
    this.#options = options ?? null
    if (options != null) {
      if (typeof options.rate !== 'number' || !(options.rate >= 0)) throw new Error('faults.rate must be a number between 0 and 1')
      const bad = (options.kinds ?? []).filter(k => !isFaultKind(k))
      if (bad.length > 0) throw new Error(`unknown fault kinds: ${bad.join(', ')} (known: ${FAULT_KINDS.join(' ')})`)
    }
    this.#random = undefined
    if (options == null || !(options.rate > 0)) return
    const kinds = options.kinds !== undefined && options.kinds.length > 0 ? options.kinds : FAULT_KINDS.filter(k => k !== 'slow')
    this.#random = { rng: createRng(options.seed ?? 1), rate: Math.min(1, options.rate), kinds, target: options.target ?? 'scim' }
  }

  get options (): RandomFaultOptions | null { return this.#options }

  failNext (n: number, kind: FaultKind, target: FaultTarget = 'scim'): void {
    const remaining = Math.trunc(n)
    if (remaining > 0) this.#pending.push({ kind, remaining, matches: route => routeMatches(target, route) })
  }

  failPage ({ resource, page, kind, times = 1 }: FailPageRule): void {
    if (times > 0) this.#pageRules.push({ kind, remaining: times, matches: (_, p) => p?.resource === resource && p.page === page })
  }

  /** Drops next-n and page rules and random faults. */
  clear (): void {
    this.#pending = []
    this.#pageRules = []
    this.configure(null)
  }

  /** The fault for this request, if any (consumes it). Order: page rules, next-n, random. */
  decide (route: RouteName, page?: PageRef): FaultKind | undefined {
    const kind = take(this.#pageRules, route, page) ?? take(this.#pending, route)
    if (kind !== undefined) return kind
    const r = this.#random
    if (r !== undefined && routeMatches(r.target, route) && r.rng.next() < r.rate) return r.kinds[r.rng.int(r.kinds.length)]
    return undefined
  }
}

export interface RateLimitOptions {
  /** Shorthand for perWindow = requestsPerSecond, windowMs = 1000. */
  requestsPerSecond?: number
  perWindow?: number
  windowMs?: number
  /** Fixed Retry-After in seconds (default: seconds until the window resets, at least 1). */
  retryAfterSeconds?: number
  /** Requests arriving this soon after a 429 are not counted as ignoring Retry-After (they were already in flight). Default 100. */
  graceMs?: number
}

export class RateLimiter {
  #window: { perWindow: number, windowMs: number, retryAfterSeconds?: number } | undefined
  #options: RateLimitOptions | null = null
  #windowStart = 0
  #used = 0
  /** Retry-After bookkeeping (also fed by injected 429/503 faults). */
  #toldAt = 0
  #waitUntil = 0
  #graceMs = 100

  configure (options: RateLimitOptions | null | undefined): void {
    this.#options = options ?? null
    this.#windowStart = 0
    this.#used = 0
    if (options == null) {
      this.#window = undefined
      return
    }
    const perWindow = options.perWindow ?? options.requestsPerSecond
    if (perWindow === undefined || !(perWindow >= 0)) throw new Error('rateLimit needs requestsPerSecond or perWindow')
    this.#graceMs = options.graceMs ?? 100
    const windowMs = options.perWindow !== undefined ? (options.windowMs ?? 1000) : 1000
    this.#window = { perWindow: Math.floor(perWindow), windowMs, retryAfterSeconds: options.retryAfterSeconds }
  }

  get options (): RateLimitOptions | null { return this.#options }

  /** Counts a request against the window; undefined when the limiter is off. */
  check (now = Date.now()) {
    const w = this.#window
    if (w === undefined) return undefined
    if (now >= this.#windowStart + w.windowMs) {
      this.#windowStart = now
      this.#used = 0
    }
    this.#used++
    const resetSeconds = Math.max(1, Math.ceil((this.#windowStart + w.windowMs - now) / 1000))
    return {
      allowed: this.#used <= w.perWindow,
      limit: w.perWindow,
      remaining: Math.max(0, w.perWindow - this.#used),
      resetSeconds,
      windowSeconds: Math.max(1, Math.round(w.windowMs / 1000)),
      retryAfterSeconds: w.retryAfterSeconds ?? resetSeconds
    }
  }

  /** Records that the client was told to wait `seconds`. */
  told (seconds: number, now = Date.now()): void {
    // a new wait episode starts the grace period; a 429 inside an episode only extends it
    if (now >= this.#waitUntil) this.#toldAt = now
    this.#waitUntil = Math.max(this.#waitUntil, now + seconds * 1000)
  }

  /** True when a request arrives after the grace period but before the last Retry-After expired. */
  duringRetryAfter (now = Date.now()): boolean {
    return now < this.#waitUntil && now >= this.#toldAt + this.#graceMs
  }

  resetTracking (): void {
    this.#toldAt = 0
    this.#waitUntil = 0
  }
}
