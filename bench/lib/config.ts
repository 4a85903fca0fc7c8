/**
 * Service configuration pointed at a running simulator (loopback http, custom hosts allowed).
 * Shared by the benchmarks and the resilience suites.
 */
import { loadConfig, type Config } from '#src/config.ts'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '#simulator/index.ts'

/** A bearer token the façade accepts in benchmarks and suites (test-only, never a real credential). */
export const BENCH_API_TOKEN = 'bench-api-token-0123456789abcdef'

/** The service's environment against a simulator (for a spawned service process), with `env` on top. */
export function simulatorEnv (simUrl: string, env: Record<string, string> = {}): Record<string, string> {
  return {
    ZUORA_TENANT_BASE_URL: simUrl,
    ZUORA_ALLOW_CUSTOM_HOSTS: 'true',
    ZUORA_OAUTH_CLIENT_ID: SIM_CLIENT_ID,
    ZUORA_OAUTH_CLIENT_SECRET: SIM_CLIENT_SECRET,
    API_TOKENS: BENCH_API_TOKEN,
    SYNC_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'silent',
    HOST: '127.0.0.1',
    PORT: '0',
    ...env
  }
}

export function configForSimulator (simUrl: string, env: Record<string, string> = {}): Config {
  return loadConfig(simulatorEnv(simUrl, env))
}
