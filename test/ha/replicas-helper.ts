/**
 * HA test helpers (not a test file): app replicas sharing one PostgreSQL database and one simulator, and polling.
 */
import type { FastifyInstance } from 'fastify'
import { startSimulator } from '#simulator/index.ts'
import type { RunningSimulator } from '#simulator/index.ts'
import { startTestApp } from '../helper.ts'
import type { TestApp } from '../helper.ts'

export interface Replicas {
  readonly sim: RunningSimulator
  start(env?: Record<string, string>): Promise<TestApp>
  close(): Promise<void>
}

/** Replicas of the service against `databaseUrl` and one simulator; each starts with DATABASE_URL set. */
export async function replicas (databaseUrl: string, users = 50): Promise<Replicas> {
  const sim = await startSimulator({ users, groups: 5 })
  const apps: TestApp[] = []
  return {
    sim,
    async start (env = {}) {
      const app = await startTestApp({ env: { ZUORA_TENANT_BASE_URL: sim.url, DATABASE_URL: databaseUrl, ...env } })
      apps.push(app)
      return app
    },
    async close () {
      for (const app of apps) await app.close().catch(() => {})
      await sim.close()
    }
  }
}

/** Polls `fn` until it returns a value other than undefined/false; throws after `ms`. */
export async function waitFor<T> (what: string, fn: () => T | undefined | false | Promise<T | undefined | false>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await fn()
    if (value !== undefined && value !== false) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

export const role = (app: FastifyInstance): string | undefined => app.replica?.role()
