/** The one connection to Zuora: the upstream client, the token manager and the SCIM client. */
import { ZuoraError } from './errors.ts'
import { createScimClient } from './scim-client.ts'
import { createTokenManager } from './token-manager.ts'
import type { DirectoryRead, ReadOptions, ZuoraSettings } from './types.ts'
import { createUpstream, type UpstreamOptions } from './upstream.ts'

/** `deps.dispatcher` (tests: MockAgent) is not closed by close(): its owner closes it. `tuning`: what tests may shrink. */
export function createZuoraConnection (
  config: ZuoraSettings,
  deps: Pick<UpstreamOptions, 'dispatcher' | 'logger' | 'observer'> = {},
  tuning: Pick<UpstreamOptions, 'maxResponseBytes' | 'backoff' | 'maxRetryAfterMs' | 'clock'> = {}
) {
  const { logger, observer } = deps
  const upstream = createUpstream({
    ...tuning,
    ...deps,
    timeoutMs: config.requestTimeoutMs,
    maxConcurrency: config.maxConcurrency,
    maxAttempts: config.maxAttempts,
    origins: [new URL(config.tokenUrl).origin, new URL(config.scimBaseUrl).origin]
  })
  const tokens = createTokenManager({ ...config, upstream, logger, observer })
  const scim = createScimClient({ config, upstream, tokens, logger })
  let closed = false

  return {
    /** Host of the tenant base URL (e.g. rest.eu.zuora.com), shown as app.tenant. */
    tenant: new URL(config.tenantBaseUrl).host,
    /** Throws a ZuoraError (never returns a partial read). */
    async readDirectory (options: ReadOptions = {}): Promise<DirectoryRead> {
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

export type ZuoraConnection = ReturnType<typeof createZuoraConnection>
