/**
 * `app.zuora`: the one connection to Zuora (token manager, rate-limit queue, cached SCIM client),
 * shared by every caller in the process and closed with the app.
 */
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Dispatcher } from 'undici'
import { createZuoraConnection } from '#src/zuora/connection.ts'
import type { UpstreamObserver, ZuoraConnection } from '#src/zuora/types.ts'

declare module 'fastify' {
  interface FastifyInstance {
    zuora: ZuoraConnection
  }
}

export interface ZuoraPluginOptions {
  /** undici dispatcher for Zuora calls (tests inject a MockAgent). */
  readonly dispatcher?: Dispatcher
  /** A ready-made connection (tests); the app then does not close it. */
  readonly zuora?: ZuoraConnection
  readonly observer?: UpstreamObserver
}

export function createZuora (app: FastifyInstance, opts: ZuoraPluginOptions): ZuoraConnection {
  // The metrics plugin (registered first) counts upstream requests, retries, 429 waits and token refreshes.
  const observer = opts.observer ?? (app.hasDecorator('metrics') ? app.metrics.upstream : undefined)
  return createZuoraConnection(app.config.zuora, {
    ...(opts.dispatcher !== undefined ? { dispatcher: opts.dispatcher } : {}),
    ...(observer !== undefined ? { observer } : {}),
    logger: app.log.child({ module: 'zuora' })
  })
}

export default fp<ZuoraPluginOptions>(async (app, opts) => {
  const connection = opts.zuora ?? createZuora(app, opts)
  app.decorate('zuora', connection)
  if (opts.zuora === undefined) app.addHook('onClose', async () => { await connection.close() })
}, { name: 'zuora' })
