/** Seeded fault injection (random, next-n, per-page) and a fixed-window rate limiter with Retry-After tracking. */
import { createRng, type Rng, type Seed } from './random.ts'
import type { RouteName } from './state.ts'

export const FAULT_KINDS = ['429', '500', '502', '503', '504', 'reset', 'malformed', 'slow', 'html502'] as const
export type FaultKind = typeof FAULT_KINDS[number]

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

export interface FailPageRule {
  resource: 'users' | 'groups'
  /** 1-based page number (item semantics: floor((startIndex-1)/count)+1; page semantics: startIndex). */
  page: number
  kind: FaultKind
  /** How many times to fail that page (default 1). */
  times?: number
}

export function isFaultKind (k: unknown): k is FaultKind {
  return typeof k === 'string' && (FAULT_KINDS as readonly string[]).includes(k)
}

export function routeMatches (target: FaultTarget, route: RouteName): boolean {
  if (target === 'any') return true
  if (target === 'token') return route === 'oauth.token' || route === 'oauth2.token'
  if (target === 'scim') return route !== 'oauth.token' && route !== 'oauth2.token' && route !== 'other'
  return target === route
}

interface Pending { kind: FaultKind, target: FaultTarget, remaining: number }
interface PageRule { resource: 'users' | 'groups', page: number, kind: FaultKind, remaining: number }

export class FaultEngine {
  private random: { rng: Rng, rate: number, kinds: readonly FaultKind[], target: FaultTarget } | undefined
  private randomOptions: RandomFaultOptions | null = null
  private pending: Pending[] = []
  private pageRules: PageRule[] = []

  /** Random faults; null turns them off. Re-seeds the schedule each time. */
  configure (options: RandomFaultOptions | null | undefined): void {
    this.randomOptions = options ?? null
    if (options != null) {
      if (typeof options.rate !== 'number' || !(options.rate >= 0)) throw new Error('faults.rate must be a number between 0 and 1')
      const bad = (options.kinds ?? []).filter(k => !isFaultKind(k))
      if (bad.length > 0) throw new Error(`unknown fault kinds: ${bad.join(', ')} (known: ${FAULT_KINDS.join(' ')})`)
    }
    if (options == null || !(options.rate > 0)) {
      this.random = undefined
      return
    }
    const kinds = options.kinds !== undefined && options.kinds.length > 0
      ? options.kinds
      : FAULT_KINDS.filter(k => k !== 'slow')
    this.random = { rng: createRng(options.seed ?? 1), rate: Math.min(1, options.rate), kinds, target: options.target ?? 'scim' }
  }

  get options (): RandomFaultOptions | null {
    return this.randomOptions
  }

  failNext (n: number, kind: FaultKind, target: FaultTarget = 'scim'): void {
    if (n > 0) this.pending.push({ kind, target, remaining: Math.trunc(n) })
  }

  failPage (rule: FailPageRule): void {
    this.pageRules.push({ resource: rule.resource, page: rule.page, kind: rule.kind, remaining: rule.times ?? 1 })
  }

  /** Drops next-n and page rules and random faults. */
  clear (): void {
    this.pending = []
    this.pageRules = []
    this.configure(null)
  }

  /** The fault for this request, if any (consumes it). Order: page rules, next-n, random. */
  decide (route: RouteName, page?: { resource: 'users' | 'groups', page: number }): FaultKind | undefined {
    if (page !== undefined) {
      const rule = this.pageRules.find(r => r.remaining > 0 && r.resource === page.resource && r.page === page.page)
      if (rule !== undefined) {
        rule.remaining--
        this.pageRules = this.pageRules.filter(r => r.remaining > 0)
        return rule.kind
      }
    }
    const p = this.pending.find(x => x.remaining > 0 && routeMatches(x.target, route))
    if (p !== undefined) {
      p.remaining--
      this.pending = this.pending.filter(x => x.remaining > 0)
      return p.kind
    }
    const r = this.random
    if (r !== undefined && routeMatches(r.target, route)) {
      if (r.rng.next() < r.rate) return r.kinds[r.rng.int(r.kinds.length)]
    }
    return undefined
  }
}

// ---------------------------------------------------------------- rate limiter

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

export interface RateDecision {
  allowed: boolean
  limit: number
  remaining: number
  /** Seconds until the window resets (ceil). */
  resetSeconds: number
  windowSeconds: number
  retryAfterSeconds: number
}

export class RateLimiter {
  private opts: Required<Pick<RateLimitOptions, 'perWindow' | 'windowMs' | 'graceMs'>> & { retryAfterSeconds?: number } | undefined
  private raw: RateLimitOptions | null = null
  private windowStart = 0
  private used = 0
  /** Retry-After bookkeeping (also fed by injected 429/503 faults). */
  private toldAt = 0
  private waitUntil = 0
  private graceMs = 100

  configure (options: RateLimitOptions | null | undefined): void {
    this.raw = options ?? null
    this.windowStart = 0
    this.used = 0
    if (options == null) {
      this.opts = undefined
      return
    }
    const perWindow = options.perWindow ?? options.requestsPerSecond
    if (perWindow === undefined || !(perWindow >= 0)) throw new Error('rateLimit needs requestsPerSecond or perWindow')
    const windowMs = options.perWindow !== undefined ? (options.windowMs ?? 1000) : 1000
    this.graceMs = options.graceMs ?? 100
    this.opts = { perWindow: Math.floor(perWindow), windowMs, graceMs: this.graceMs, retryAfterSeconds: options.retryAfterSeconds }
  }

  get enabled (): boolean {
    return this.opts !== undefined
  }

  get options (): RateLimitOptions | null {
    return this.raw
  }

  check (now = Date.now()): RateDecision | undefined {
    const o = this.opts
    if (o === undefined) return undefined
    if (now >= this.windowStart + o.windowMs) {
      this.windowStart = now
      this.used = 0
    }
    this.used++
    const resetMs = this.windowStart + o.windowMs - now
    const resetSeconds = Math.max(1, Math.ceil(resetMs / 1000))
    return {
      allowed: this.used <= o.perWindow,
      limit: o.perWindow,
      remaining: Math.max(0, o.perWindow - this.used),
      resetSeconds,
      windowSeconds: Math.max(1, Math.round(o.windowMs / 1000)),
      retryAfterSeconds: o.retryAfterSeconds ?? resetSeconds
    }
  }

  /** Records that the client was told to wait `seconds`. */
  told (seconds: number, now = Date.now()): void {
    // a new wait episode starts the grace period; a 429 inside an episode only extends it
    if (now >= this.waitUntil) this.toldAt = now
    this.waitUntil = Math.max(this.waitUntil, now + seconds * 1000)
  }

  /** True when a request arrives after the grace period but before the last Retry-After expired. */
  duringRetryAfter (now = Date.now()): boolean {
    return now < this.waitUntil && now >= this.toldAt + this.graceMs
  }

  setGraceMs (ms: number): void {
    this.graceMs = ms
  }

  resetTracking (): void {
    this.toldAt = 0
    this.waitUntil = 0
  }
}
