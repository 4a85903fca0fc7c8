/**
 * ZuoraConnection (src/zuora/types.ts): the one connection to Zuora, wiring the HTTP client (one undici Agent
 * it owns, or an injected dispatcher), a request queue per upstream (token endpoint, SCIM), the token manager
 * and the SCIM client.
 */
import type { Dispatcher } from 'undici'
import { isZuoraRestHost, ONEID_HOST } from './data-centers.ts'
import { ZuoraError } from './errors.ts'
import { createHttpClient, DEFAULT_MAX_RESPONSE_BYTES } from './http.ts'
import { silentLogger, type ZuoraLogger } from './logger.ts'
import { createRequestQueue, realClock, type QueueClock } from './request-queue.ts'
import { createScimClient } from './scim-client.ts'
import { createTokenManager } from './token-manager.ts'
import type { QueueStats, UpstreamObserver, ZuoraConnection, ZuoraSettings } from './types.ts'

export type { ZuoraLogger } from './logger.ts'

export interface ZuoraConnectionDeps {
  /** undici dispatcher (tests: MockAgent). Not closed by close(): its owner closes it. */
  readonly dispatcher?: Dispatcher
  /** pino-compatible logger. */
  readonly logger?: ZuoraLogger
  readonly observer?: UpstreamObserver
  readonly now?: () => number
}

/** Tuning that tests may shrink; production uses the defaults. */
export interface ZuoraConnectionTuning {
  readonly maxResponseBytes?: number
  readonly backoff?: { baseMs?: number, capMs?: number, random?: () => number }
  readonly maxRetryAfterMs?: number
  readonly clock?: QueueClock
}

export function createZuoraConnection (
  config: ZuoraSettings,
  deps: ZuoraConnectionDeps = {},
  tuning: ZuoraConnectionTuning = {}
): ZuoraConnection {
  const logger = deps.logger ?? silentLogger
  const now = deps.now ?? Date.now
  const clock: QueueClock = tuning.clock ?? (deps.now !== undefined ? { now, schedule: realClock.schedule } : realClock)
  const origins = [...new Set([new URL(config.tokenUrl).origin, new URL(config.scimBaseUrl).origin])]
  const allZuora = origins.every(o => {
    const u = new URL(o)
    return u.protocol === 'https:' && u.port === '' && (isZuoraRestHost(u.hostname) || u.hostname === ONEID_HOST)
  })

  const http = createHttpClient({
    ...(deps.dispatcher !== undefined ? { dispatcher: deps.dispatcher } : {}),
    timeoutMs: config.requestTimeoutMs,
    maxResponseBytes: tuning.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    connections: config.maxConcurrency + 1,
    policy: { allowCustomHosts: !allZuora, origins },
    ...(deps.observer !== undefined ? { observer: deps.observer } : {}),
    logger,
    now
  })
  const queueCommon = {
    maxAttempts: config.maxAttempts,
    clock,
    logger,
    ...(deps.observer !== undefined ? { observer: deps.observer } : {}),
    ...(tuning.backoff !== undefined ? { backoff: tuning.backoff } : {}),
    ...(tuning.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: tuning.maxRetryAfterMs } : {})
  }
  const scimQueue = createRequestQueue({ ...queueCommon, maxConcurrency: config.maxConcurrency })
  const tokenQueue = createRequestQueue({ ...queueCommon, maxConcurrency: 1 })
  const tokens = createTokenManager({
    tokenUrl: config.tokenUrl,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    ...(config.clientAuth !== undefined ? { clientAuth: config.clientAuth } : {}),
    http,
    queue: tokenQueue,
    now,
    logger,
    ...(deps.observer !== undefined ? { observer: deps.observer } : {})
  })
  const scim = createScimClient({ config, http, queue: scimQueue, tokens, logger })

  let closed = false

  function ensureOpen (): void {
    if (closed) throw new ZuoraError('The Zuora connection is closed', { kind: 'aborted', endpoint: 'users' })
  }

  return {
    tenant: new URL(config.tenantBaseUrl).host,
    async readDirectory (options = {}) {
      ensureOpen()
      return await scim.readDirectory(options)
    },
    stats (): QueueStats {
      const s = scimQueue.stats()
      const t = tokenQueue.stats()
      const pausedUntil = Math.max(s.pausedUntil ?? 0, t.pausedUntil ?? 0)
      return {
        active: s.active + t.active,
        queued: s.queued + t.queued,
        paused: s.paused || t.paused,
        pausedUntil: pausedUntil > 0 ? pausedUntil : null,
        requests: s.requests + t.requests,
        retries: s.retries + t.retries,
        rateLimitWaits: s.rateLimitWaits + t.rateLimitWaits,
        rateLimitWaitMs: s.rateLimitWaitMs + t.rateLimitWaitMs
      }
    },
    async close () {
      if (closed) return
      closed = true
      scimQueue.close()
      tokenQueue.close()
      tokens.close()
      await http.close()
    }
  }
}
