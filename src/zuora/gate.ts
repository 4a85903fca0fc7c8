/**
 * The pause gate: an undici interceptor in front of the connection pool, below the retry interceptor so that
 * retries pass through it too. At most `maxConcurrency` requests in flight (nothing waits inside the pool), a
 * WHOLE-gate pause when Zuora says "slow down" (`pause()`: no request starts during the window, the ones already
 * waiting included, a retried request first in line), a retry's own backoff (`notBefore`: only that request
 * waits), and paced starts when ratelimit-remaining runs low, before Zuora has to say 429.
 */
import type { Dispatcher } from 'undici'
import type { ZuoraLogger } from './logger.ts'
import { parseRateLimit } from './retry-after.ts'

/** Time source and timer, injectable so tests can run on a virtual clock. */
export interface QueueClock {
  now(): number
  schedule(fn: () => void, ms: number): () => void
}

export const realClock: QueueClock = {
  now: () => Date.now(),
  schedule (fn, ms) {
    const timer = setTimeout(fn, Math.max(0, ms))
    return () => { clearTimeout(timer) }
  }
}

export interface GateOptions {
  readonly maxConcurrency: number
  /** Longest server-requested wait honoured; ratelimit pacing never waits longer. */
  readonly maxRetryAfterMs: number
  readonly clock: QueueClock
  readonly logger?: ZuoraLogger
  /** Called as each attempt is dispatched; the returned function when it ends (its status, or 'error'). */
  readonly onAttempt: (opts: Dispatcher.DispatchOptions) => (status: number | 'error') => void
  readonly onPause: (waitMs: number) => void
  /** Whether a request queues ahead of the others (a short listing read alongside a long one). */
  readonly jumpsQueue: (opts: Dispatcher.DispatchOptions) => boolean
  /** When a request may be dispatched again (its own backoff), if later than now. */
  readonly notBefore: (opts: Dispatcher.DispatchOptions) => number | undefined
}

interface Waiter {
  run(): void
  fail(err: unknown): void
}

/** Hands a waiting request's failure to its handler (it never reached a connection). */
const NOT_STARTED = { aborted: true, paused: false, reason: null, abort () {}, pause () {}, resume () {} }

export function createGate (options: GateOptions) {
  const { clock } = options
  const max = Math.max(1, options.maxConcurrency)
  const waiting: Waiter[] = []
  /** Handlers seen before: their next dispatch is a retry and goes first in line. */
  const seen = new WeakSet<object>()
  let active = 0
  /** Requests sleeping through their own backoff before they queue again. */
  const sleeping = new Set<() => void>()
  let closed = false
  let pausedUntil = 0
  let nextStartAt = 0
  let paceIntervalMs = 0
  let paceUntil = 0
  let wake: { at: number, cancel: () => void } | undefined
  const counters = { rateLimitWaits: 0, rateLimitWaitMs: 0 }

  function pump (): void {
    while (!closed && active < max && waiting.length > 0) {
      const now = clock.now()
      const until = Math.max(pausedUntil, nextStartAt)
      if (now < until) {
        if (wake === undefined || wake.at > until) {
          wake?.cancel()
          wake = { at: until, cancel: clock.schedule(() => { wake = undefined; pump() }, until - now) }
        }
        return
      }
      if (paceIntervalMs > 0 && now < paceUntil) nextStartAt = now + paceIntervalMs
      ;(waiting.shift() as Waiter).run()
    }
  }

  /** Every queued and retried request waits `delayMs` from now (a longer pause already running is kept). */
  function pause (delayMs: number, reason: string): void {
    const now = clock.now()
    const until = now + delayMs
    if (until <= pausedUntil) return
    if (pausedUntil <= now) {
      counters.rateLimitWaits++
      options.logger?.info({ waitMs: delayMs, reason }, 'zuora queue paused')
    }
    counters.rateLimitWaitMs += until - Math.max(pausedUntil, now)
    pausedUntil = until
    options.onPause(delayMs)
  }

  /** Reads ratelimit-remaining / ratelimit-reset and slows starts down before the quota runs out. */
  function pace (status: number, headers: Record<string, string | string[] | undefined>): void {
    const remaining = parseRateLimit(headers['ratelimit-remaining'])
    const resetS = parseRateLimit(headers['ratelimit-reset'])
    if (remaining === undefined || resetS === undefined || status === 429) return
    const reset = resetS * 1000
    const now = clock.now()
    if (remaining > max) {
      paceIntervalMs = 0
    } else if (remaining === 0) {
      pause(Math.min(reset, options.maxRetryAfterMs), 'ratelimit-remaining 0')
    } else {
      paceIntervalMs = Math.min(Math.ceil(reset / (remaining + 1)), options.maxRetryAfterMs)
      paceUntil = now + reset
      nextStartAt = Math.max(nextStartAt, now + paceIntervalMs)
    }
  }

  const interceptor: Dispatcher.DispatcherComposeInterceptor = dispatch => (opts, handler) => {
    const signal = (opts as { signal?: AbortSignal }).signal
    // Assigned once the request sleeps (below); onAbort may run before that, so it cannot be a const.
    // eslint-disable-next-line prefer-const
    let wakeUp: (() => void) | undefined
    const onAbort = (): void => {
      const i = waiting.indexOf(waiter)
      if (i >= 0) waiting.splice(i, 1)
      if (wakeUp !== undefined) sleeping.delete(wakeUp)
      waiter.fail(signal?.reason)
    }
    const waiter: Waiter = {
      run () {
        signal?.removeEventListener('abort', onAbort)
        active++
        const end = options.onAttempt(opts)
        let status: number | undefined
        let done = false
        const release = (outcome: number | 'error'): void => {
          if (done) return
          done = true
          active--
          end(outcome)
          pump()
        }
        try {
          dispatch(opts, {
            onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
            onRequestUpgrade: (c, s, h, socket) => handler.onRequestUpgrade?.(c, s, h, socket),
            onResponseStart: (c, s, h, m) => {
              status = s
              pace(s, h)
              return handler.onResponseStart?.(c, s, h, m)
            },
            onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
            onResponseEnd: (c, trailers) => {
              release(status ?? 'error')
              return handler.onResponseEnd?.(c, trailers)
            },
            onResponseError: (c, err) => {
              release('error')
              return handler.onResponseError?.(c, err)
            }
          })
        } catch (err) {
          release('error')
          handler.onResponseError?.(NOT_STARTED, err as Error)
        }
      },
      fail (err) {
        signal?.removeEventListener('abort', onAbort)
        handler.onResponseError?.(NOT_STARTED, err instanceof Error ? err : new Error('aborted'))
      }
    }
    if (closed) {
      waiter.fail(new Error('closed'))
      return true
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    const first = seen.has(handler) || options.jumpsQueue(opts)
    seen.add(handler)
    const enqueue = (): void => {
      if (first) waiting.unshift(waiter)
      else waiting.push(waiter)
      pump()
    }
    const at = options.notBefore(opts) ?? 0
    if (at <= clock.now()) {
      enqueue()
      return true
    }
    const cancel = clock.schedule(() => {
      if (wakeUp !== undefined && sleeping.delete(wakeUp)) enqueue()
    }, at - clock.now())
    wakeUp = () => { cancel(); waiter.fail(new Error('closed')) }
    sleeping.add(wakeUp)
    return true
  }

  return {
    interceptor,
    pause,
    stats () {
      const paused = pausedUntil > clock.now()
      return { active, queued: waiting.length + sleeping.size, paused, pausedUntil: paused ? pausedUntil : null, ...counters }
    },
    /** Fails every waiting request and refuses new ones; in-flight requests are aborted by their signals. */
    close () {
      closed = true
      wake?.cancel()
      for (const w of waiting.splice(0)) w.fail(new Error('closed'))
      for (const w of sleeping) w()
      sleeping.clear()
    }
  }
}

export type Gate = ReturnType<typeof createGate>
