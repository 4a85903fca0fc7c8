/**
 * The process entry point (`npm start`), the only file that listens: validates the environment, builds the app
 * (src/app.ts), serves HTTP or HTTPS. On SIGINT/SIGTERM (close-with-grace) in-flight requests finish and a running
 * sync's Zuora read is aborted, but a persist under way completes (snapshot files are never half-written); past the
 * grace delay the process exits 1.
 */
import { readFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { pathToFileURL } from 'node:url'
import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import type { BuildOptions } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'

/** Grace period of a signal-triggered close (docker-compose's stop_grace_period is longer). */
const GRACE_DELAY_MS = 10_000

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
  override name = 'StartupError'
}

export type StartOptions = Partial<Omit<BuildOptions, 'config'>> & {
  /** Install close-with-grace on process signals (main: true; in-process tests: false). */
  readonly handleSignals?: boolean
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
  const { fastify, handleSignals = false, host = config.http.host, port = config.http.port, ...appOptions } = options
  const https = config.http.tls !== undefined ? await readTls(config.http.tls.certFile, config.http.tls.keyFile) : undefined
  const { headersTimeout, ...serverTimeouts } = SERVER_TIMEOUTS

  // Loaded only once the configuration is valid: a bad environment is reported without loading the HTTP stack.
  const { buildApp } = await import('./app.ts')
  const app = await buildApp({ ...appOptions, config, fastify: { ...serverTimeouts, ...(https !== undefined && { https }), ...fastify } }).catch((err: Error) => {
    if (https === undefined || !isTlsError(err)) throw err
    throw new StartupError(`TLS_CERT_FILE / TLS_KEY_FILE: not a usable PEM certificate and private key pair (${err.message})`, { cause: err })
  })
  app.server.headersTimeout = headersTimeout

  const graceful = handleSignals ? installGracefulClose(app) : undefined
  try {
    await app.listen({ host, port })
  } catch (err) {
    graceful?.uninstall()
    await app.close().catch(() => {})
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new StartupError(`cannot listen on ${host}:${port} (${code}); set HOST/PORT`, { cause: err })
    }
    throw err
  }

  const address = app.server.address() as AddressInfo
  const shown = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address
  return {
    app,
    config,
    /** e.g. https://127.0.0.1:3000 (a wildcard bind address is shown as 127.0.0.1). */
    url: `${https !== undefined ? 'https' : 'http'}://${shown.includes(':') ? `[${shown}]` : shown}:${address.port}`,
    async close (): Promise<void> {
      graceful?.uninstall()
      await app.close()
    }
  }
}

/** Reads both files and names every unreadable one (in a fixed order, whichever read fails first). */
async function readTls (certFile: string, keyFile: string): Promise<{ cert: Buffer, key: Buffer }> {
  const files = [['TLS_CERT_FILE', certFile], ['TLS_KEY_FILE', keyFile]] as const
  const [cert, key] = await Promise.allSettled(files.map(async ([, file]) => await readFile(file)))
  if (cert.status === 'fulfilled' && key.status === 'fulfilled') return { cert: cert.value, key: key.value }
  const problems = [cert, key].flatMap((r, i) => r.status === 'fulfilled'
    ? []
    : [`${files[i][0]}: cannot read ${files[i][1]} (${(r.reason as NodeJS.ErrnoException).code ?? 'error'})`])
  throw new StartupError(problems.join('; '), { cause: cert.status === 'rejected' ? cert.reason : (key as PromiseRejectedResult).reason })
}

function isTlsError (err: unknown): boolean {
  const e = err as { code?: unknown, library?: unknown, message?: unknown }
  return (typeof e.code === 'string' && e.code.startsWith('ERR_OSSL')) || e.library !== undefined ||
    (typeof e.message === 'string' && /PEM|certificate|private key|key values mismatch/i.test(e.message))
}

/** SIGINT/SIGTERM (and uncaught errors) close the app within the grace delay, then exit; a second signal exits at once. */
function installGracefulClose (app: FastifyInstance): { uninstall(): void } {
  const handle = closeWithGrace({
    delay: GRACE_DELAY_MS,
    logger: { error: (message: unknown) => { app.log.error(message) } }
  }, async ({ signal, err }) => {
    if (err !== undefined) app.log.error({ err }, 'closing after an unexpected error')
    else app.log.info({ signal }, `closing (grace ${GRACE_DELAY_MS} ms)`)
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
    } else {
      process.stderr.write(`Cannot start: ${err instanceof StartupError ? err.message : err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    }
    process.exit(1)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main()
}
