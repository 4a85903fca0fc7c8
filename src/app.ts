/**
 * Builds the service. `serviceApp` is the whole service as one plugin (plugins first, then the URL map in
 * routes/index.ts); `buildApp` wraps it in a Fastify instance; only src/server.ts listens.
 */
import Fastify from 'fastify'
import type { FastifyBaseLogger, FastifyInstance, FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import type { Dispatcher } from 'undici'
import routes from '../routes/index.ts'
import type { Config } from './config.ts'
import { lazySerializers } from './api/lazy-serializers.ts'
import { genReqId, loggerOptions } from './api/logging.ts'
import auth from './plugins/auth.ts'
import metrics, { syncMetrics } from './plugins/metrics.ts'
import problem, { clientErrorHandler, frameworkErrors } from './plugins/problem.ts'
import schemas from './plugins/schemas.ts'
import security from './plugins/security.ts'
import snapshots from './plugins/snapshots.ts'
import swagger from './plugins/swagger.ts'
import sync from './plugins/sync.ts'
import views from './plugins/views.ts'
import zuora from './plugins/zuora.ts'
import type { SnapshotStore } from './sync/types.ts'
import type { ZuoraConnection } from './zuora/types.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
  interface FastifyContextConfig {
    /** Served without an API token (health, docs, OpenAPI, metrics with its own token). */
    public?: boolean
  }
}

export interface AppOptions {
  readonly config: Config
  /** undici dispatcher for Zuora calls (tests: MockAgent). */
  readonly dispatcher?: Dispatcher
  /** A ready-made Zuora connection (tests); not closed by the app. */
  readonly zuora?: ZuoraConnection
  /** Snapshot store (default: files in DATA_DIR). */
  readonly store?: SnapshotStore
  /** false: no start-up sync and no schedule. Default true. */
  readonly startSync?: boolean
  readonly now?: () => number
}

/** Largest URL path parameter: a 1024-byte C1 id, percent-encoded. */
const MAX_PARAM_LENGTH = 3 * 1024 + 16

/** Fastify options of the service (server.ts adds https and the logger destination). */
export function serverOptions (config: Config, serializers = lazySerializers()): FastifyServerOptions {
  return {
    schemaController: { compilersFactory: { buildSerializer: serializers.build } },
    logger: loggerOptions(config.logLevel),
    genReqId,
    requestIdHeader: false,
    trustProxy: config.http.trustProxy,
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    frameworkErrors,
    clientErrorHandler,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false, useDefaults: true } }
  }
}

/** The whole service as a plugin: capabilities in dependency order, then the routes. */
export const serviceApp = fp<AppOptions>(async (app, opts) => {
  app.decorate('config', opts.config)
  await app.register(problem)
  await app.register(security)
  await app.register(schemas)
  await app.register(swagger)
  await app.register(metrics)
  await app.register(auth)
  await app.register(zuora, { dispatcher: opts.dispatcher, zuora: opts.zuora })
  await app.register(snapshots)
  await app.register(views)
  await app.register(sync, { store: opts.store, startSync: opts.startSync, now: opts.now })
  await app.register(syncMetrics)
  await app.register(routes)
}, { name: 'service' })

export interface BuildOptions extends AppOptions {
  /** Overrides of the Fastify options (https, a logger instance for tests…). */
  readonly fastify?: FastifyServerOptions & { loggerInstance?: FastifyBaseLogger }
}

export async function buildApp (options: BuildOptions): Promise<FastifyInstance> {
  const serializers = lazySerializers()
  const base = serverOptions(options.config, serializers)
  const overrides = options.fastify ?? {}
  const fastifyOptions = overrides.loggerInstance !== undefined ? { ...base, logger: undefined, ...overrides } : { ...base, ...overrides }
  const app = Fastify(fastifyOptions)
  await app.register(serviceApp, options)
  // Listening comes first; the response serializers not used yet are compiled right after.
  app.addHook('onListen', async () => {
    setImmediate(() => {
      serializers.compileAll().catch((err: unknown) => { app.log.error({ err }, 'a response schema does not compile') })
    })
  })
  return app
}
