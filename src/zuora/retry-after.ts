/**
 * How long to wait before the next attempt: the upstream's Retry-After (delta seconds or HTTP-date), else its
 * ratelimit-reset (seconds), else capped exponential backoff with jitter. Pure, with injectable now/random.
 */

type HeaderValue = string | string[] | undefined

function first (value: HeaderValue): string | undefined {
  return (Array.isArray(value) ? value[0] : value)?.trim()
}

/**
 * Parses Retry-After (RFC 9110 §10.2.3): a non-negative integer of seconds, or an HTTP-date.
 * Returns milliseconds to wait from `now` (0 for a date in the past), or undefined if absent/unparseable.
 */
export function parseRetryAfter (value: HeaderValue, now: number): number | undefined {
  const v = first(value)
  if (v === undefined || v === '') return undefined
  if (/^\d+$/.test(v)) return Number(v) * 1000
  if (/^\d+\.\d+$/.test(v)) return Math.ceil(Number(v) * 1000) // lenient: fractional seconds
  if (!/[a-z]/i.test(v)) return undefined // "-5", "1e3": not a delta and not a date
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/**
 * Parses `ratelimit-remaining` or `ratelimit-reset` (seconds until the quota window resets): Zuora sends one
 * integer; a draft-style list ("10, 60;w=60") gives its first. Returns the number, or undefined.
 */
export function parseRateLimit (value: HeaderValue): number | undefined {
  const m = /^(\d+)(?:\s*[,;]|$)/.exec(first(value) ?? '')
  return m === null ? undefined : Number(m[1])
}

/** `baseMs`: the first retry's wait (default 250 ms); `capMs`: one wait's bound (30 s); `random`: seedable [0, 1). */
export interface BackoffOptions { readonly baseMs?: number, readonly capMs?: number, readonly random?: () => number }

/**
 * Capped exponential backoff with "equal jitter": half the exponential step fixed, half random, so two
 * retries never collapse to zero and concurrent clients spread out. `attempt` is 1 for the first retry.
 */
export function backoffDelay (attempt: number, { baseMs = 250, capMs = 30_000, random = Math.random }: BackoffOptions = {}): number {
  const exp = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(exp / 2 + random() * (exp / 2))
}

/** Retry-After first, then ratelimit-reset (only for a 429, where it says when the quota refills), then backoff. */
export function retryDelay (args: {
  headers: Record<string, HeaderValue>
  status?: number
  attempt: number
  now: number
  backoff?: BackoffOptions | undefined
}): { delayMs: number, source: 'retry-after' | 'ratelimit-reset' | 'backoff' } {
  const retryAfter = parseRetryAfter(args.headers['retry-after'], args.now)
  if (retryAfter !== undefined) return { delayMs: retryAfter, source: 'retry-after' }
  if (args.status === 429) {
    const reset = parseRateLimit(args.headers['ratelimit-reset'] ?? args.headers['x-ratelimit-reset'])
    if (reset !== undefined) return { delayMs: reset * 1000, source: 'ratelimit-reset' }
  }
  return { delayMs: backoffDelay(args.attempt, args.backoff), source: 'backoff' }
}
