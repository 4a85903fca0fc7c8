/**
 * Test helpers (not a test file): snapshots from the simulator's seeded org, the app listening on loopback,
 * and the full stack (simulator + app + first sync). Every test talks real HTTP to 127.0.0.1.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '#src/app.ts'
import type { BuildOptions } from '#src/app.ts'
import { loadConfig } from '#src/config.ts'
import type { Config } from '#src/config.ts'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, startSimulator } from '#simulator/index.ts'
import type { RunningSimulator, SimulatorOptions } from '#simulator/index.ts'
import type { Snapshot } from '#src/sync/snapshot.ts'

export { snapshotOf, testDirectory, testSnapshot } from './fixtures.ts'

export const API_TOKEN = 'test-token-6f1d0c2e9b8a4f7d'

export interface Tap {
  teardown (fn: () => unknown): void
}

/** The environment of a test service: custom loopback hosts allowed, one API token, no schedule, loopback only. */
export function testEnv (env: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    ZUORA_TENANT_BASE_URL: 'http://127.0.0.1:9',
    ZUORA_ALLOW_CUSTOM_HOSTS: 'true',
    ZUORA_OAUTH_CLIENT_ID: SIM_CLIENT_ID,
    ZUORA_OAUTH_CLIENT_SECRET: SIM_CLIENT_SECRET,
    API_TOKENS: API_TOKEN,
    HOST: '127.0.0.1',
    PORT: '0',
    SYNC_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'silent',
    ...env
  }
}

/** Config for tests (see testEnv). */
export function testConfig (env: Record<string, string | undefined> = {}): Config {
  return loadConfig(testEnv(env))
}

export interface TestApp {
  readonly app: FastifyInstance
  /** http://127.0.0.1:<port> */
  readonly url: string
  readonly token: string
  readonly dataDir: string
  /** GET/POST with the API token (pass `token: null` to send none). */
  request(path: string, init?: RequestInit & { token?: string | null }): Promise<Response>
  close(): Promise<void>
}

export interface TestAppOptions extends Partial<Omit<BuildOptions, 'config'>> {
  /** Published before the app listens (implies startSync false unless set). */
  readonly snapshot?: Snapshot
  readonly env?: Record<string, string | undefined>
  readonly t?: Tap
}

/** The app listening on 127.0.0.1:0 with a temporary DATA_DIR. */
export async function startTestApp (opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = opts.env?.DATA_DIR ?? await mkdtemp(join(tmpdir(), 'zuora-c1-test-'))
  const config = testConfig({ DATA_DIR: dataDir, ...opts.env })
  const { snapshot, env: _env, t, ...rest } = opts
  const app = await buildApp({ startSync: snapshot === undefined, ...rest, config })
  if (snapshot !== undefined) app.addHook('onReady', async () => { app.snapshots.publish(snapshot) })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const url = `http://127.0.0.1:${port}`
  let closed = false
  const testApp: TestApp = {
    app,
    url,
    token: API_TOKEN,
    dataDir,
    async request (path, init = {}) {
      const { token = API_TOKEN, headers, ...rest } = init
      const h = new Headers(headers)
      if (token !== null && !h.has('authorization')) h.set('authorization', `Bearer ${token}`)
      return await fetch(url + path, { ...rest, headers: h })
    },
    async close () {
      if (closed) return
      closed = true
      await app.close()
      if (opts.env?.DATA_DIR === undefined) await rm(dataDir, { recursive: true, force: true })
    }
  }
  t?.teardown(() => testApp.close())
  return testApp
}

export interface TestStack extends TestApp {
  readonly sim: RunningSimulator
}

export type StackOptions = TestAppOptions & { simulator?: SimulatorOptions, waitForSync?: boolean }

/**
 * Simulator + app wired to it; resolves after the start-up sync finished (succeeded or not). `startApp` chooses how
 * the app is reached: a real socket (startTestApp, the default) or app.inject (test/routes/inject.ts).
 */
export async function startStack (opts: StackOptions = {}, startApp: (opts: TestAppOptions) => Promise<TestApp> = startTestApp): Promise<TestStack> {
  const { simulator, waitForSync = true, env, ...rest } = opts
  const sim = await startSimulator({ users: 50, groups: 5, ...simulator })
  let stack: TestApp
  try {
    stack = await startApp({ ...rest, t: undefined, env: { ZUORA_TENANT_BASE_URL: sim.url, ...env } })
  } catch (err) {
    await sim.close()
    throw err
  }
  if (waitForSync) await stack.app.syncEngine.whenIdle()
  const full: TestStack = {
    ...stack,
    sim,
    async close () {
      await stack.close()
      await sim.close()
    }
  }
  opts.t?.teardown(() => full.close())
  return full
}
