/**
 * `npm run demo`: the embedded Zuora simulator plus the service wired to it, both on 127.0.0.1, no network and
 * no configuration needed. Shows the first sync with a progress bar, then prints the URL, a fresh API token,
 * Swagger UI and curl examples. Ctrl-C stops both.
 *
 * Env (all optional): PORT (3000; a busy port falls back to a free one), DATA_DIR (a temporary directory,
 * removed on exit), LOG_LEVEL (warn), DEMO_USERS (2000), DEMO_GROUPS (40), DEMO_LATENCY_MS (150, per simulated
 * Zuora request, so the progress is visible).
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loggerOptions } from './api/logging.ts'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, startSimulator } from '#simulator/index.ts'
import { start, StartupError } from './server.ts'
import type { RunningService, StartOptions } from './server.ts'
import { banner } from './demo/banner.ts'
import { progressLine } from './demo/progress-bar.ts'

/** The demo's directory size when DEMO_USERS / DEMO_GROUPS are not set (the simulator's seed is always 1). */
export const DEMO_DEFAULTS = { users: 2000, groups: 40 } as const

export interface DemoOptions {
  readonly env?: NodeJS.ProcessEnv
  /** Where the progress bar and the banner go (default process.stdout). */
  readonly out?: NodeJS.WritableStream & { isTTY?: boolean, columns?: number }
}

export type RunningDemo = Awaited<ReturnType<typeof startDemo>>

function intEnv (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer between ${min} and ${max} (got "${raw}")`)
  return n
}

/** Starts simulator + service and runs the first sync with a progress bar; resolves when it finished. */
export async function startDemo (options: DemoOptions = {}) {
  const env = options.env ?? process.env
  const out = options.out ?? process.stdout
  const users = intEnv(env, 'DEMO_USERS', DEMO_DEFAULTS.users, 0, 1_000_000)
  const groups = intEnv(env, 'DEMO_GROUPS', DEMO_DEFAULTS.groups, 0, 100_000)
  const latencyMs = intEnv(env, 'DEMO_LATENCY_MS', 150, 0, 60_000)
  const port = intEnv(env, 'PORT', 3000, 0, 65535)
  const logLevel = env.LOG_LEVEL ?? 'warn'

  const sim = await startSimulator({ users, groups, latencyMs, host: '127.0.0.1', port: 0 })
  const ownDataDir = env.DATA_DIR === undefined || env.DATA_DIR === ''
  const dataDir = ownDataDir ? await mkdtemp(join(tmpdir(), 'zuora-c1-demo-')) : env.DATA_DIR as string
  const token = `demo-${randomBytes(24).toString('base64url')}`
  const serviceEnv: NodeJS.ProcessEnv = {
    ZUORA_TENANT_BASE_URL: sim.url,
    ZUORA_ALLOW_CUSTOM_HOSTS: 'true',
    ZUORA_OAUTH_CLIENT_ID: SIM_CLIENT_ID,
    ZUORA_OAUTH_CLIENT_SECRET: SIM_CLIENT_SECRET,
    API_TOKENS: token,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    SYNC_INTERVAL_SECONDS: '0',
    LOG_LEVEL: logLevel
  }
  const startOptions: StartOptions = {
    startSync: false,
    fastify: { logger: loggerOptions(logLevel, { pretty: out.isTTY === true }) }
  }

  let service: RunningService
  let portNote: string | undefined
  try {
    try {
      service = await start(serviceEnv, startOptions)
    } catch (err) {
      if (!(err instanceof StartupError) || (err.cause as NodeJS.ErrnoException | undefined)?.code !== 'EADDRINUSE') throw err
      service = await start(serviceEnv, { ...startOptions, port: 0 })
      portNote = `port ${port} is busy; using ${new URL(service.url).port} instead (set PORT to choose)`
    }
  } catch (err) {
    await sim.close()
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true })
    throw err
  }

  const engine = service.app.syncEngine
  const bar = progressLine(out)
  const unsubscribe = engine.subscribe((event, job) => {
    if (event === 'progress') bar.update(job.progress)
    if (event === 'finished') bar.done(job.progress)
  })
  engine.trigger('startup')
  await engine.whenIdle()
  unsubscribe()
  const firstSync = engine.lastFinished()

  out.write(banner({ url: service.url, token, dataDir, users, groups, simulatorUrl: sim.url, job: firstSync, portNote }))

  let closing: Promise<void> | undefined
  return {
    service,
    sim,
    token,
    url: service.url,
    dataDir,
    firstSync,
    async close (): Promise<void> {
      closing ??= (async () => {
        await service.close()
        await sim.close()
        if (ownDataDir) await rm(dataDir, { recursive: true, force: true })
      })()
      return closing
    }
  }
}

async function main (): Promise<void> {
  let demo: RunningDemo | undefined
  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`\nsecond ${signal}: exiting now\n`)
      process.exit(1)
    }
    stopping = true
    process.stdout.write('\nStopping the service and the simulator…\n')
    const timer = setTimeout(() => {
      process.stderr.write('did not stop within 10 s; exiting\n')
      process.exit(1)
    }, 10_000)
    timer.unref()
    Promise.resolve(demo?.close()).then(() => process.exit(0), (err: unknown) => {
      process.stderr.write(`error while stopping: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(1)
    })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  try {
    demo = await startDemo()
    if (stopping) await demo.close()
  } catch (err) {
    process.stderr.write(`demo failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main()
}
