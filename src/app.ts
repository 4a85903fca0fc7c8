/**
 * Builds the service: the plugins in dependency order, then one route module per resource under its prefix; only
 * src/server.ts listens. The map is explicit rather than autoloaded, so it works the same under tsx, tap and Node's
 * own type stripping.
 */
import Fastify from 'fastify'
import type { FastifyBaseLogger, FastifyInstance, FastifyPluginAsync, FastifyServerOptions } from 'fastify'
import health from '../routes/health.ts'
import meta from '../routes/meta.ts'
import roles from '../routes/roles.ts'
import groups from '../routes/groups.ts'
import sync from '../routes/sync.ts'
import users from '../routes/users.ts'
import type { Config } from './config.ts'
import { lazySerializers } from './api/lazy-serializers.ts'
import { genReqId, loggerOptions } from './api/logging.ts'
import auth from './plugins/auth.ts'
import metrics, { syncMetrics } from './plugins/metrics.ts'
import problem, { clientErrorHandler, frameworkErrors } from './plugins/problem.ts'
import security from './plugins/security.ts'
import snapshots from './plugins/snapshots.ts'
import swagger from './plugins/swagger.ts'
import syncPlugin from './plugins/sync.ts'
import type { SyncPluginOptions } from './plugins/sync.ts'
import zuora from './plugins/zuora.ts'
import type { ZuoraPluginOptions } from './plugins/zuora.ts'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
  interface FastifyContextConfig {
    /** Served without an API token (health, docs, OpenAPI, metrics with its own token). */
    public?: boolean
  }
}

/** The config, the zuora and sync plugins' options (passed to them as they are), and Fastify overrides. */
export type BuildOptions = ZuoraPluginOptions & SyncPluginOptions & {
  readonly config: Config
  /** Overrides of the Fastify options (https, a logger instance for tests…). */
  readonly fastify?: FastifyServerOptions & { loggerInstance?: FastifyBaseLogger }
}

const ROUTES: ReadonlyArray<readonly [prefix: string, plugin: FastifyPluginAsync<any>]> = [
  ['', meta], // /, /resource-types, /metrics
  ['/users', users],
  ['/roles', roles],
  ['/groups', groups],
  ['/sync', sync],
  ['/health', health]
]

/** Largest URL path parameter: a 1024-byte C1 id, percent-encoded. */
const MAX_PARAM_LENGTH = 3 * 1024 + 16

export async function buildApp (options: BuildOptions): Promise<FastifyInstance> {
  const serializers = lazySerializers()
  const overrides = options.fastify ?? {}
  const app = Fastify({
    schemaController: { compilersFactory: { buildSerializer: serializers.build } },
    // A logger instance of the caller replaces the options.
    logger: overrides.loggerInstance !== undefined ? undefined : loggerOptions(options.config.logLevel),
    genReqId,
    requestIdHeader: false,
    trustProxy: options.config.http.trustProxy,
    bodyLimit: 64 * 1024,
    return503OnClosing: true,
    frameworkErrors,
    clientErrorHandler,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    ajv: { customOptions: { allErrors: false, coerceTypes: true, removeAdditional: false, useDefaults: true } },
    ...overrides
  })
  app.decorate('config', options.config)
  await app.register(problem)
  await app.register(security)
  await app.register(swagger)
  await app.register(metrics)
  await app.register(auth)
  await app.register(zuora, options)
  await app.register(snapshots)
  await app.register(syncPlugin, options)
  await app.register(syncMetrics)
  // Each route module is encapsulated: it keeps its own parsers and hooks.
  for (const [prefix, plugin] of ROUTES) await app.register(plugin, { prefix })
  // Listening comes first; the response serializers not used yet are compiled right after.
  app.addHook('onListen', async () => {
    setImmediate(() => {
      serializers.compileAll().catch((err: unknown) => { app.log.error({ err }, 'a response schema does not compile') })
    })
  })
  return app
}
