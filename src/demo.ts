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
import { intEnv } from '#simulator/server.ts'
import { start, StartupError } from './server.ts'
import type { RunningService, StartOptions } from './server.ts'
import type { SyncJob, SyncProgress } from './sync/types.ts'

/** The demo's directory size when DEMO_USERS / DEMO_GROUPS are not set (the simulator's seed is always 1). */
export const DEMO_DEFAULTS = { users: 2000, groups: 40 } as const

type Out = NodeJS.WritableStream & { isTTY?: boolean, columns?: number }

/** Single-quotes a value for POSIX shells. */
const shellQuote = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`

/** The curl commands the banner prints; test/readme.test.ts runs them as printed. */
export function curlExamples (url: string, token: string): string[] {
  const auth = `-H ${shellQuote(`Authorization: Bearer ${token}`)}`
  return [
    `curl -s ${auth} ${shellQuote(`${url}/users?pageSize=2`)}`,
    `curl -s ${auth} ${shellQuote(`${url}/roles/ADMIN/grants?pageSize=3`)}`,
    `curl -s -X POST ${auth} ${shellQuote(`${url}/sync`)}`
  ]
}

/** `Syncing [####....]  45% phase pages, users, groups, …`: the read is 95 % of the bar, building and persisting the rest. */
function progressText (p: SyncProgress, columns: number | undefined): string {
  let f = p.pagesTotal !== null && p.pagesTotal > 0 ? 0.95 * Math.min(1, p.pagesDone / p.pagesTotal) : 0
  if (['building', 'persisting', 'done'].includes(p.phase)) f = 0.97
  if (p.phase === 'finished') f = 1
  const filled = Math.round(f * 24)
  const pages = p.pagesTotal === null ? `${p.pagesDone} pages` : `${p.pagesDone}/${p.pagesTotal} pages`
  const trouble = p.retries > 0 || p.rateLimitWaits > 0 ? `, ${p.retries} retries, ${p.rateLimitWaits} rate-limit waits` : ''
  const eta = p.estimatedRemainingMs !== null && p.phase !== 'finished' ? `, ~${(p.estimatedRemainingMs / 1000).toFixed(1)} s left` : ''
  const text = `Syncing [${'#'.repeat(filled)}${'.'.repeat(24 - filled)}] ${String(Math.round(f * 100)).padStart(3)}% ` +
    `${p.phase.padEnd(11)} ${pages}, ${p.usersRead} users, ${p.groupsRead} groups${trouble}, ${(p.elapsedMs / 1000).toFixed(1)} s${eta}`
  return columns !== undefined && columns > 20 ? text.slice(0, columns - 1) : text
}

function syncLine (job: SyncJob | undefined): string {
  if (job === undefined) return 'no sync has finished yet'
  if (job.status === 'succeeded') {
    return `first sync succeeded in ${((job.durationMs ?? 0) / 1000).toFixed(1)} s: ` +
      `${job.progress.usersRead} users, ${job.progress.groupsRead} groups, snapshot ${job.syncId ?? '?'}`
  }
  return `first sync ${job.status}: ${job.error?.title ?? ''} ${job.error?.detail ?? ''}`.trim()
}

/** Starts simulator + service and runs the first sync with a progress bar; resolves when it finished. */
export async function startDemo (options: { env?: NodeJS.ProcessEnv, out?: Out } = {}) {
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
  const cleanUp = async (): Promise<void> => {
    await sim.close()
    if (ownDataDir) await rm(dataDir, { recursive: true, force: true })
  }
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
  const startOptions: StartOptions = { startSync: false, fastify: { logger: loggerOptions(logLevel, { pretty: out.isTTY === true }) } }

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
    await cleanUp()
    throw err
  }

  // On a TTY the line is redrawn in place; elsewhere (CI logs, pipes) a plain line at most once a second.
  const engine = service.app.syncEngine
  let lastLine = 0
  const unsubscribe = engine.subscribe((event, job) => {
    if (event === 'started') return
    const line = progressText(job.progress, out.columns)
    if (out.isTTY === true) {
      out.write(`\r\x1b[2K${line}${event === 'finished' ? '\n' : ''}`)
    } else if (event === 'finished' || Date.now() - lastLine >= 1000) {
      lastLine = Date.now()
      out.write(`${line}\n`)
    }
  })
  engine.trigger('startup')
  await engine.whenIdle()
  unsubscribe()
  const firstSync = engine.lastFinished()

  const { url } = service
  out.write([
    '',
    `Zuora → ConductorOne façade, demo on a simulated Zuora (${users} users, ${groups} groups at ${sim.url})`,
    `  ${syncLine(firstSync)}`,
    ...(portNote !== undefined ? [`  note: ${portNote}`] : []),
    '',
    `  Base URL     ${url}   (status page: open it in a browser)`,
    `  API token    ${token}`,
    `  Swagger UI   ${url}/docs   (Authorize → paste the API token, then "Try it out")`,
    `  OpenAPI      ${url}/openapi.json`,
    `  Health       ${url}/health/ready   Metrics ${url}/metrics`,
    `  Snapshots    ${dataDir}`,
    '',
    'Try (copy and paste):',
    ...curlExamples(url, token).map(c => `  ${c}`),
    '',
    'For the README examples, in another terminal:',
    `  export BASE=${shellQuote(url)} TOKEN=${shellQuote(token)}`,
    '',
    'Ctrl-C stops the service and the simulator.',
    ''
  ].join('\n'))

  let closing: Promise<void> | undefined
  return {
    service,
    token,
    url,
    firstSync,
    async close (): Promise<void> {
      closing ??= service.close().then(cleanUp)
      return closing
    }
  }
}

async function main (): Promise<void> {
  let demo: Awaited<ReturnType<typeof startDemo>> | undefined
  let stopping = false
  const exit = (code: number, message?: string): void => {
    if (message !== undefined) process.stderr.write(message)
    process.exit(code)
  }
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) exit(1, `\nsecond ${signal}: exiting now\n`)
    stopping = true
    process.stdout.write('\nStopping the service and the simulator…\n')
    setTimeout(() => exit(1, 'did not stop within 10 s; exiting\n'), 10_000).unref()
    Promise.resolve(demo?.close()).then(() => exit(0), (err: unknown) => {
      exit(1, `error while stopping: ${err instanceof Error ? err.message : String(err)}\n`)
    })
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)
  try {
    demo = await startDemo()
    if (stopping) await demo.close()
  } catch (err) {
    exit(1, `demo failed to start: ${err instanceof Error ? err.message : String(err)}\n`)
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void main()
}
