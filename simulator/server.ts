/**
 * Standalone Zuora simulator (npm run simulator; docker-compose service `zuora-simulator`).
 * Env: SIM_PORT (8080), SIM_HOST (0.0.0.0), SIM_USERS (250), SIM_GROUPS (12), SIM_SEED (1),
 * SIM_LATENCY_MS (0), SIM_CLIENT_ID, SIM_CLIENT_SECRET, SIM_LOG_LEVEL (info),
 * SIM_FLAVOR (zuora: Zuora as documented; standard: a plain RFC 7643/7644 server, see FLAVORS in control.ts).
 */
import { pathToFileURL } from 'node:url'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, type SimulatorOptions } from './control.ts'
import { startSimulator } from './index.ts'

/** An integer variable in [min, max] (unset or blank: `fallback`); throws naming the variable. Also the demo's. */
export function intEnv (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer between ${min} and ${max} (got "${raw}")`)
  return n
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/** Reads the SIM_* variables; throws with the variable's name on a bad value. */
export function simulatorConfigFromEnv (env: NodeJS.ProcessEnv = process.env): SimulatorOptions & { host: string, port: number } {
  const level = env.SIM_LOG_LEVEL ?? 'info'
  if (!LEVELS.includes(level)) throw new Error(`SIM_LOG_LEVEL must be one of ${LEVELS.join(', ')}`)
  const seed = env.SIM_SEED ?? ''
  const flavor = env.SIM_FLAVOR?.trim() || 'zuora'
  if (flavor !== 'zuora' && flavor !== 'standard') throw new Error(`SIM_FLAVOR must be zuora or standard (got "${flavor}")`)
  return {
    flavor,
    host: env.SIM_HOST ?? '0.0.0.0',
    port: intEnv(env, 'SIM_PORT', 8080, 0, 65535),
    users: intEnv(env, 'SIM_USERS', 250, 0, 1_000_000),
    groups: intEnv(env, 'SIM_GROUPS', 12, 0, 100_000),
    seed: seed === '' ? 1 : /^\d+$/.test(seed) ? Number(seed) : seed,
    latencyMs: intEnv(env, 'SIM_LATENCY_MS', 0, 0, 600_000),
    clientId: env.SIM_CLIENT_ID ?? SIM_CLIENT_ID,
    clientSecret: env.SIM_CLIENT_SECRET ?? SIM_CLIENT_SECRET,
    logger: { level }
  }
}

export async function main (env: NodeJS.ProcessEnv = process.env) {
  const config = simulatorConfigFromEnv(env)
  const sim = await startSimulator(config)
  sim.app.log.info({ url: sim.url, flavor: config.flavor, users: config.users, groups: config.groups, seed: config.seed, clientId: config.clientId },
    'Zuora simulator listening (token: /oauth/token and /oauth2/token, SCIM: /scim/v2, control: /_sim)')
  let closing = false
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) return
    closing = true
    sim.app.log.info({ signal }, 'closing')
    sim.close().then(() => process.exit(0), () => process.exit(1))
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return {
    ...sim,
    close: async () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      await sim.close()
    }
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err)
    process.exit(1)
  })
}
