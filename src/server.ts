/**
 * The process entry point (`npm start`): validates the environment, builds the app (src/app.ts), serves HTTP or
 * HTTPS, and closes gracefully on SIGINT/SIGTERM. The only file that listens.
 *
 * Shutdown (close-with-grace): Fastify stops accepting connections and answers 503 to late requests, in-flight
 * requests finish, a running sync's Zuora read is aborted (a persist already under way completes, so the snapshot
 * files are never half-written), upstream pools close. Past the grace delay the process exits 1.
 */
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import closeWithGrace from 'close-with-grace'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { BuildOptions } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import type { Config } from './config.ts'

/** Grace period for a signal-triggered close, in milliseconds (docker-compose's stop_grace_period is longer). */
export const GRACE_DELAY_MS = 10_000

/** Server timeouts (ms). keepAlive beyond common load balancers' 60 s idle timeout so they close first. */
export const SERVER_TIMEOUTS = {
  /** Socket inactivity (Node's server.timeout). */
  connectionTimeout: 120_000,
  /** Receiving one whole request (not sending the response: NDJSON streams may take longer). */
  requestTimeout: 60_000,
  keepAliveTimeout: 72_000,
  headersTimeout: 15_000
} as const

/** A start-up failure that is not a ConfigError (unreadable TLS files, a port in use…): printed, exit 1. */
export class StartupError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'StartupError'
  }
}

export interface StartOptions extends Partial<Omit<BuildOptions, 'config' | 'fastify'>> {
  /** Extra Fastify options (a logger instance, …); TLS and timeouts come from the config. */
  readonly fastify?: BuildOptions['fastify']
  /** Install close-with-grace on process signals (main: true; in-process tests: false). */
  readonly handleSignals?: boolean
  readonly graceDelayMs?: number
  /** Listen address overrides (the demo binds 127.0.0.1 and may fall back to port 0). */
  readonly host?: string
  readonly port?: number
}

export type RunningService = Awaited<ReturnType<typeof start>>

/**
 * Loads the config from `env`, builds and starts the service. Rejects with ConfigError (naming the variables)
 * or StartupError before anything listens.
 */
export async function start (env: NodeJS.ProcessEnv = process.env, options: StartOptions = {}) {
  const config = loadConfig(env)
  const { fastify: fastifyOverrides, handleSignals = false, graceDelayMs = GRACE_DELAY_MS, host, port, ...appOptions } = options
  const https = config.http.tls !== undefined ? await readTls(config.http.tls) : undefined
  const { headersTimeout, ...serverTimeouts } = SERVER_TIMEOUTS

  // Loaded only once the configuration is valid: a bad environment is reported without loading the HTTP stack.
  const { buildApp } = await import('./app.ts')
  let app: FastifyInstance
  try {
    app = await buildApp({
      ...appOptions,
      config,
      fastify: {
        ...serverTimeouts,
        ...(https !== undefined ? { https } as Partial<FastifyServerOptions> : {}),
        ...fastifyOverrides
      }
    })
  } catch (err) {
    if (https !== undefined && isTlsError(err)) {
      throw new StartupError(`TLS_CERT_FILE / TLS_KEY_FILE: not a usable PEM certificate and private key pair (${(err as Error).message})`, { cause: err })
    }
    throw err
  }
  app.server.headersTimeout = headersTimeout

  const listenOn = { host: host ?? config.http.host, port: port ?? config.http.port }
  const graceful = handleSignals ? installGracefulClose(app, graceDelayMs) : undefined
  try {
    await app.listen(listenOn)
  } catch (err) {
    graceful?.uninstall()
    await app.close().catch(() => {})
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new StartupError(`cannot listen on ${listenOn.host}:${listenOn.port} (${code}); set HOST/PORT`, { cause: err })
    }
    throw err
  }

  return {
    app,
    config,
    /** e.g. https://127.0.0.1:3000 (a wildcard bind address is shown as 127.0.0.1). */
    url: serviceUrl(app, https !== undefined),
    async close (): Promise<void> {
      graceful?.uninstall()
      await app.close()
    }
  }
}

async function readTls (tls: NonNullable<Config['http']['tls']>): Promise<{ cert: Buffer, key: Buffer }> {
  // Both files are read, and every unreadable one is named (in a fixed order, whichever read fails first).
  const files = [['TLS_CERT_FILE', tls.certFile], ['TLS_KEY_FILE', tls.keyFile]] as const
  const results = await Promise.allSettled(files.map(async ([, file]) => await readFile(file)))
  const problems = results.flatMap((r, i) => r.status === 'fulfilled'
    ? []
    : [`${files[i][0]}: cannot read ${files[i][1]} (${(r.reason as NodeJS.ErrnoException).code ?? 'error'})`])
  if (problems.length > 0) throw new StartupError(problems.join('; '), { cause: results.find((r) => r.status === 'rejected')?.reason })
  const [cert, key] = results.map((r) => (r as PromiseFulfilledResult<Buffer>).value)
  return { cert, key }
}

function isTlsError (err: unknown): boolean {
  const e = err as { code?: unknown, library?: unknown, message?: unknown }
  return (typeof e.code === 'string' && e.code.startsWith('ERR_OSSL')) || e.library !== undefined ||
    (typeof e.message === 'string' && /PEM|certificate|private key|key values mismatch/i.test(e.message))
}

function serviceUrl (app: FastifyInstance, https: boolean): string {
  const address = app.server.address() as AddressInfo
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address
  const shown = host.includes(':') ? `[${host}]` : host
  return `${https ? 'https' : 'http'}://${shown}:${address.port}`
}

/** SIGINT/SIGTERM (and uncaught errors) close the app within `delayMs`, then exit; a second signal exits at once. */
function installGracefulClose (app: FastifyInstance, delayMs: number): { uninstall(): void } {
  const handle = closeWithGrace({
    delay: delayMs,
    logger: { error: (message: unknown) => { app.log.error(message) } }
  }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'closing after an unexpected error')
    else app.log.info({ signal }, `closing (grace ${delayMs} ms)`)
    await app.close()
  })
  app.addHook('onClose', async () => { handle.uninstall() })
  return handle
}

/** Entry point: print configuration / start-up problems to stderr (never secrets), exit 1. */
export async function main (env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    await start(env, { handleSignals: true })
  } catch (err) {
    process.exitCode = 1
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example and README.md#configuration.\n`)
    } else if (err instanceof StartupError) {
      process.stderr.write(`Cannot start: ${err.message}\n`)
    } else {
      process.stderr.write(`Cannot start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    }
    process.exit(1)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main()
}
