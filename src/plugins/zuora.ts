/**
 * `app.zuora`: the one connection to Zuora (token manager, rate-limit queue, SCIM client), closed with the app; a
 * ready-made one (tests) is not. The metrics plugin counts its upstream requests, retries, 429 waits and token refreshes.
 */
import fp from 'fastify-plugin'
import type { Dispatcher } from 'undici'
import { createZuoraConnection, type ZuoraConnection } from '#src/zuora/connection.ts'

declare module 'fastify' {
  interface FastifyInstance {
    zuora: ZuoraConnection
  }
}

/** `dispatcher`: for the Zuora calls (tests: a MockAgent); `zuora`: a ready-made connection (tests). */
export interface ZuoraPluginOptions { readonly dispatcher?: Dispatcher, readonly zuora?: ZuoraConnection }

export default fp<ZuoraPluginOptions>(async (app, opts) => {
  if (opts.zuora !== undefined) {
    app.decorate('zuora', opts.zuora)
    return
  }
  const connection = createZuoraConnection(app.config.zuora, {
    dispatcher: opts.dispatcher,
    observer: app.metrics.upstream,
    logger: app.log.child({ module: 'zuora' })
  })
  app.decorate('zuora', connection)
  app.addHook('onClose', async () => { await connection.close() })
}, { name: 'zuora', dependencies: ['metrics'] })
