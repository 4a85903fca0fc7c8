/**
 * One queue per upstream: bounded concurrency, retries with backoff, and a WHOLE-queue pause when Zuora says
 * "slow down" (429, or a Retry-After on 503) — no request starts during the window, including the ones already
 * waiting. It also paces down when ratelimit-remaining runs low, before Zuora has to say 429.
 */
import { errorFromResponse, parseUpstreamErrorBody, ZuoraError } from './errors.ts'
import type { UpstreamResponse } from './http.ts'
import type { ZuoraLogger } from './logger.ts'
import { safeObserver } from './observer.ts'
import { backoffDelay, parseRateLimitRemaining, parseRateLimitReset, retryDelay, type BackoffOptions } from './retry-after.ts'
import type { QueueStats, UpstreamEndpoint, UpstreamObserver } from './types.ts'

/** Statuses worth another attempt (idempotent reads only go through this queue). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504])

/** Cancels a scheduled callback. */
export type Cancel = () => void

/** Time source and timer, injectable so tests can run on a virtual clock. */
export interface QueueClock {
  now(): number
  schedule(fn: () => void, ms: number): Cancel
}

export const realClock: QueueClock = {
  now: () => Date.now(),
  schedule (fn, ms) {
    const timer = setTimeout(fn, Math.max(0, ms))
    return () => { clearTimeout(timer) }
  }
}

export interface RequestQueueOptions {
  readonly maxConcurrency: number
  /** Attempts per task, the first one included. */
  readonly maxAttempts: number
  readonly clock?: QueueClock
  readonly backoff?: BackoffOptions
  /** Longest server-requested wait honoured (Retry-After / ratelimit-reset); beyond it the task fails. Default 120 s. */
  readonly maxRetryAfterMs?: number
  /** Start pacing when ratelimit-remaining is at or below this (default: maxConcurrency). */
  readonly paceThreshold?: number
  readonly observer?: UpstreamObserver
  readonly logger?: ZuoraLogger
}

export interface QueueTask {
  readonly endpoint: UpstreamEndpoint
  /** One attempt: sends the request (with the task's signal) and returns the response. */
  send(attempt: number): Promise<UpstreamResponse>
  readonly signal?: AbortSignal
  /** Names the call in the final error, e.g. "SCIM Users page 3". */
  readonly what?: string
  /** Values to scrub from error excerpts (the access token in use). */
  readonly secrets?: () => readonly string[]
}

export interface RequestQueue {
  /** Runs a task to its final response (2xx or a non-retryable status); throws a ZuoraError otherwise. */
  run(task: QueueTask): Promise<UpstreamResponse>
  stats(): QueueStats
  /** Rejects queued work and refuses new work. In-flight requests are aborted by their own signals. */
  close(): void
}

interface Entry {
  readonly task: QueueTask
  attempt: number
  resolve(res: UpstreamResponse): void
  reject(err: unknown): void
  /** Set while the entry sleeps through its own backoff. */
  cancelSleep?: Cancel
  settled: boolean
  cleanup(): void
}

function abortedError (task: QueueTask, why = 'aborted'): ZuoraError {
  return new ZuoraError(`${task.what ?? task.endpoint} ${why}`, { kind: 'aborted', endpoint: task.endpoint })
}

function withAttempts (err: ZuoraError, attempts: number): ZuoraError {
  if (attempts <= 1) return err
  return new ZuoraError(`${err.message} (after ${attempts} attempts)`, {
    kind: err.kind,
    endpoint: err.endpoint,
    ...(err.upstreamStatus !== undefined ? { upstreamStatus: err.upstreamStatus } : {}),
    ...(err.code !== undefined ? { code: err.code } : {}),
    ...(err.requestId !== undefined ? { requestId: err.requestId } : {}),
    cause: err
  })
}

function retryReason (status: number | undefined, err: ZuoraError | undefined): string {
  if (status !== undefined) return String(status)
  if (err?.kind === 'timeout') return 'timeout'
  return 'network'
}

export function createRequestQueue (options: RequestQueueOptions): RequestQueue {
  const clock = options.clock ?? realClock
  const observer = safeObserver(options.observer)
  const maxConcurrency = Math.max(1, options.maxConcurrency)
  const maxAttempts = Math.max(1, options.maxAttempts)
  const maxRetryAfterMs = options.maxRetryAfterMs ?? 120_000
  const paceThreshold = options.paceThreshold ?? maxConcurrency

  const waiting: Entry[] = []
  const sleeping = new Set<Entry>()
  let active = 0
  let closed = false
  let pausedUntil = 0
  let nextStartAt = 0
  let paceIntervalMs = 0
  let paceUntil = 0
  let wake: { at: number, cancel: Cancel } | undefined
  const counters = { requests: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0 }

  function pump (): void {
    while (!closed && active < maxConcurrency && waiting.length > 0) {
      const now = clock.now()
      const gate = Math.max(pausedUntil, nextStartAt)
      if (now < gate) {
        if (wake === undefined || wake.at > gate) {
          wake?.cancel()
          wake = { at: gate, cancel: clock.schedule(() => { wake = undefined; pump() }, gate - now) }
        }
        return
      }
      const entry = waiting.shift() as Entry
      if (paceIntervalMs > 0 && now < paceUntil) nextStartAt = now + paceIntervalMs
      void execute(entry)
    }
  }

  function settle (entry: Entry, ok: boolean, value: unknown): void {
    if (entry.settled) return
    entry.settled = true
    entry.cleanup()
    if (ok) entry.resolve(value as UpstreamResponse)
    else entry.reject(value)
  }

  /** Reads ratelimit-remaining / ratelimit-reset and slows starts down before the quota runs out. */
  function pace (res: UpstreamResponse): void {
    const remaining = parseRateLimitRemaining(res.headers['ratelimit-remaining'])
    const reset = parseRateLimitReset(res.headers['ratelimit-reset'])
    if (remaining === undefined || reset === undefined || res.status === 429) return
    const now = clock.now()
    if (remaining > paceThreshold) {
      paceIntervalMs = 0
      return
    }
    if (remaining === 0) {
      pauseQueue(Math.min(reset, maxRetryAfterMs), 'ratelimit-remaining 0')
      return
    }
    paceIntervalMs = Math.min(Math.ceil(reset / (remaining + 1)), maxRetryAfterMs)
    paceUntil = now + reset
    nextStartAt = Math.max(nextStartAt, now + paceIntervalMs)
  }

  function pauseQueue (delayMs: number, reason: string): void {
    const now = clock.now()
    const until = now + delayMs
    if (until <= pausedUntil) return
    const extension = until - Math.max(pausedUntil, now)
    if (pausedUntil <= now) {
      counters.rateLimitWaits++
      options.logger?.info({ waitMs: delayMs, reason }, 'zuora queue paused')
    }
    counters.rateLimitWaitMs += extension
    pausedUntil = until
    observer.rateLimitWait({ waitMs: delayMs })
  }

  function requeue (entry: Entry): void {
    entry.attempt++
    waiting.unshift(entry)
    pump()
  }

  async function execute (entry: Entry): Promise<void> {
    const { task } = entry
    if (task.signal?.aborted === true) {
      settle(entry, false, abortedError(task))
      pump()
      return
    }
    active++
    counters.requests++
    let res: UpstreamResponse | undefined
    let err: unknown
    try {
      res = await task.send(entry.attempt)
    } catch (e) {
      err = e
    }
    active--
    try {
      handle(entry, res, err)
    } finally {
      pump()
    }
  }

  function handle (entry: Entry, res: UpstreamResponse | undefined, err: unknown): void {
    const { task } = entry
    if (entry.settled) return
    if (task.signal?.aborted === true) {
      settle(entry, false, abortedError(task))
      return
    }
    if (res !== undefined) pace(res)

    const zerr = err instanceof ZuoraError ? err : undefined
    // Only this task's own transport failures are retried here. A failure of another upstream call made on
    // the way (the token request inside a SCIM attempt) already spent its own queue's retry budget.
    const retryableTransport = zerr !== undefined && zerr.endpoint === task.endpoint && (zerr.kind === 'timeout' || zerr.kind === 'unavailable')
    if (err !== undefined && !retryableTransport) {
      settle(entry, false, err)
      return
    }
    if (res !== undefined && !RETRYABLE_STATUSES.has(res.status)) {
      settle(entry, true, res)
      return
    }

    const now = clock.now()
    const delay = res !== undefined
      ? retryDelay({ headers: res.headers, status: res.status, attempt: entry.attempt, now, ...(options.backoff !== undefined ? { backoff: options.backoff } : {}) })
      : { delayMs: backoffDelay(entry.attempt, options.backoff), source: 'backoff' as const }
    const serverTold = delay.source !== 'backoff'

    const finalError = (): ZuoraError => {
      if (res === undefined) return withAttempts(zerr as ZuoraError, entry.attempt)
      const body = parseUpstreamErrorBody(res.status, res.contentType, res.text, task.secrets?.() ?? [])
      return errorFromResponse({
        endpoint: task.endpoint,
        status: res.status,
        body,
        requestId: res.requestId,
        attempts: entry.attempt,
        what: task.what,
        ...(serverTold ? { retryAfterMs: delay.delayMs } : {})
      })
    }

    if (entry.attempt >= maxAttempts || closed) {
      settle(entry, false, finalError())
      return
    }
    if (serverTold && delay.delayMs > maxRetryAfterMs) {
      const e = finalError()
      settle(entry, false, new ZuoraError(`${e.message}; Zuora asked to wait ${Math.ceil(delay.delayMs / 1000)} s, longer than the ${Math.ceil(maxRetryAfterMs / 1000)} s this client waits`, {
        kind: e.kind,
        endpoint: e.endpoint,
        ...(e.upstreamStatus !== undefined ? { upstreamStatus: e.upstreamStatus } : {}),
        ...(e.requestId !== undefined ? { requestId: e.requestId } : {}),
        retryAfterMs: delay.delayMs
      }))
      return
    }

    counters.retries++
    observer.retry({ endpoint: task.endpoint, reason: retryReason(res?.status, zerr) })
    options.logger?.debug({ endpoint: task.endpoint, attempt: entry.attempt, status: res?.status, kind: zerr?.kind, delayMs: delay.delayMs, source: delay.source }, 'zuora retry')

    if (res !== undefined && (res.status === 429 || serverTold)) {
      // The whole queue waits: every queued request, and this one first in line.
      pauseQueue(delay.delayMs, res.status === 429 ? '429' : `${res.status} Retry-After`)
      requeue(entry)
      return
    }
    // A per-request backoff (5xx without Retry-After, reset, timeout): only this request waits.
    sleeping.add(entry)
    entry.cancelSleep = clock.schedule(() => {
      sleeping.delete(entry)
      entry.cancelSleep = undefined
      if (entry.settled) return
      requeue(entry)
    }, delay.delayMs)
  }

  function run (task: QueueTask): Promise<UpstreamResponse> {
    return new Promise<UpstreamResponse>((resolve, reject) => {
      if (closed) {
        reject(abortedError(task, 'aborted: the Zuora connection is closed'))
        return
      }
      if (task.signal?.aborted === true) {
        reject(abortedError(task))
        return
      }
      const onAbort = (): void => {
        const i = waiting.indexOf(entry)
        if (i >= 0) waiting.splice(i, 1)
        if (entry.cancelSleep !== undefined) {
          entry.cancelSleep()
          sleeping.delete(entry)
        }
        // An in-flight attempt is aborted by its own signal; settle now either way.
        settle(entry, false, abortedError(task))
      }
      const entry: Entry = {
        task,
        attempt: 1,
        resolve,
        reject,
        settled: false,
        cleanup: () => { task.signal?.removeEventListener('abort', onAbort) }
      }
      task.signal?.addEventListener('abort', onAbort, { once: true })
      waiting.push(entry)
      pump()
    })
  }

  function stats (): QueueStats {
    const now = clock.now()
    const paused = pausedUntil > now
    return {
      active,
      queued: waiting.length + sleeping.size,
      paused,
      pausedUntil: paused ? pausedUntil : null,
      ...counters
    }
  }

  function close (): void {
    if (closed) return
    closed = true
    wake?.cancel()
    wake = undefined
    for (const entry of [...waiting, ...sleeping]) {
      entry.cancelSleep?.()
      settle(entry, false, abortedError(entry.task, 'aborted: the Zuora connection is closed'))
    }
    waiting.length = 0
    sleeping.clear()
  }

  return { run, stats, close }
}
