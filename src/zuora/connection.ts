/**
 * ZuoraConnection (src/zuora/types.ts): the one connection to Zuora: the upstream client (one undici Agent it owns,
 * or an injected dispatcher, behind the pause gate and the retry interceptor), the token manager and the SCIM client.
 */
import type { Dispatcher } from 'undici'
import { ZuoraError } from './errors.ts'
import { silentLogger, type ZuoraLogger } from './logger.ts'
import { createScimClient } from './scim-client.ts'
import { createTokenManager } from './token-manager.ts'
import type { UpstreamObserver, ZuoraConnection, ZuoraSettings } from './types.ts'
import { createUpstream, type UpstreamOptions } from './upstream.ts'

export interface ZuoraConnectionDeps {
  /** undici dispatcher (tests: MockAgent). Not closed by close(): its owner closes it. */
  readonly dispatcher?: Dispatcher
  /** pino-compatible logger. */
  readonly logger?: ZuoraLogger
  readonly observer?: UpstreamObserver
}

/** `tuning`: what tests may shrink; production uses the defaults. */
export function createZuoraConnection (
  config: ZuoraSettings,
  deps: ZuoraConnectionDeps = {},
  tuning: Pick<UpstreamOptions, 'maxResponseBytes' | 'backoff' | 'maxRetryAfterMs' | 'clock'> = {}
): ZuoraConnection {
  const logger = deps.logger ?? silentLogger
  const upstream = createUpstream({
    ...tuning,
    dispatcher: deps.dispatcher,
    timeoutMs: config.requestTimeoutMs,
    maxConcurrency: config.maxConcurrency,
    maxAttempts: config.maxAttempts,
    origins: [new URL(config.tokenUrl).origin, new URL(config.scimBaseUrl).origin],
    observer: deps.observer,
    logger
  })
  const tokens = createTokenManager({ ...config, upstream, logger, observer: deps.observer })
  const scim = createScimClient({ config, upstream, tokens, logger })
  let closed = false

  return {
    tenant: new URL(config.tenantBaseUrl).host,
    async readDirectory (options = {}) {
      if (closed) throw new ZuoraError('The Zuora connection is closed', { kind: 'aborted', endpoint: 'users' })
      return await scim.readDirectory(options)
    },
    stats: upstream.stats,
    async close () {
      if (closed) return
      closed = true
      tokens.close()
      await upstream.close()
    }
  }
}
