import { readFileSync } from 'node:fs'
import { Type, type Static } from '@sinclair/typebox'
import type { ErrorObject } from 'ajv'
import envSchema from 'env-schema'
import { Secret } from './secret.ts'
import {
  deriveScimBaseUrl,
  deriveTokenUrl,
  normaliseOverrideUrl,
  normaliseTenantBaseUrl
} from './zuora/data-centers.ts'
import type { ZuoraSettings } from './zuora/types.ts'

/**
 * Every environment variable the service reads, validated once at start-up.
 * One JSDoc line per variable; README's configuration table mirrors this schema.
 */
export const EnvSchema = Type.Object({
  /** Zuora REST base URL of the tenant's data center, e.g. https://rest.eu.zuora.com (one of Zuora's 10 REST hosts). */
  ZUORA_TENANT_BASE_URL: Type.String({ minLength: 1 }),
  /** OAuth client id (client-credentials grant). */
  ZUORA_OAUTH_CLIENT_ID: Type.String({ minLength: 1 }),
  /** OAuth client secret; or give ZUORA_OAUTH_CLIENT_SECRET_FILE (Docker/Kubernetes secrets). */
  ZUORA_OAUTH_CLIENT_SECRET: Type.String({ minLength: 1 }),
  /** Token endpoint override (default <base>/oauth/token); e.g. https://one.zuora.com/oauth2/token for OneID. */
  ZUORA_TOKEN_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** SCIM base override (default <base>/scim/v2); e.g. https://one.zuora.com/scim/v2 for OneID. */
  ZUORA_SCIM_BASE_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** Allow hosts other than Zuora's (simulator, tests, an egress proxy); plain http only on loopback. */
  ZUORA_ALLOW_CUSTOM_HOSTS: Type.Boolean({ default: false }),
  /** Concurrent requests to Zuora (Zuora's tenant limit is 40). */
  ZUORA_MAX_CONCURRENCY: Type.Integer({ minimum: 1, maximum: 40, default: 4 }),
  /** Timeout of one upstream request, in milliseconds. */
  ZUORA_REQUEST_TIMEOUT_MS: Type.Integer({ minimum: 100, maximum: 600_000, default: 30_000 }),
  /** Attempts per upstream request (retries on 429/5xx/resets included). */
  ZUORA_MAX_ATTEMPTS: Type.Integer({ minimum: 1, maximum: 10, default: 5 }),
  /** SCIM page size for Users (Zuora's filter.maxResults is 100). */
  ZUORA_USERS_PAGE_SIZE: Type.Integer({ minimum: 1, maximum: 100, default: 100 }),
  /** SCIM page size for Groups (Zuora caps count at 100). */
  ZUORA_GROUPS_PAGE_SIZE: Type.Integer({ minimum: 1, maximum: 100, default: 100 }),
  /** How the server reads Users' startIndex: 'auto' (detected by a probe), 'item' (RFC 7644, 1-based item index) or 'page' (page number). */
  ZUORA_USERS_START_INDEX: Type.Union([Type.Literal('auto'), Type.Literal('item'), Type.Literal('page')], { default: 'auto' }),
  /** How the server reads Groups' startIndex: 'auto' (detected), 'item' or 'page' (what Zuora documents for Groups). */
  ZUORA_GROUPS_START_INDEX: Type.Union([Type.Literal('auto'), Type.Literal('item'), Type.Literal('page')], { default: 'auto' }),
  /** OAuth client authentication: 'auto' (form body, then HTTP Basic once; remembers what worked), 'basic' or 'post'. */
  ZUORA_OAUTH_CLIENT_AUTH: Type.Union([Type.Literal('auto'), Type.Literal('basic'), Type.Literal('post')], { default: 'auto' }),
  /** Comma-separated API tokens accepted as `Authorization: Bearer <token>`; or API_TOKENS_FILE. */
  API_TOKENS: Type.Optional(Type.String()),
  /** Set to true to serve without API tokens (development only; warned in the log). */
  AUTH_DISABLED: Type.Boolean({ default: false }),
  /** PEM certificate: with TLS_KEY_FILE, the service serves HTTPS itself. */
  TLS_CERT_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** PEM private key for TLS_CERT_FILE. */
  TLS_KEY_FILE: Type.Optional(Type.String({ minLength: 1 })),
  /** Trusted reverse proxies: 'false' (default), 'true', or comma-separated IPs/CIDRs. */
  TRUST_PROXY: Type.String({ default: 'false' }),
  /** Listening port. */
  PORT: Type.Integer({ minimum: 0, maximum: 65535, default: 3000 }),
  /** Listening address (0.0.0.0 in containers). */
  HOST: Type.String({ minLength: 1, default: '0.0.0.0' }),
  /** Where snapshots are persisted (current and previous). */
  DATA_DIR: Type.String({ minLength: 1, default: './data' }),
  /** postgres:// URL (TLS options such as sslmode understood by pg): replicas share snapshots, jobs and one sync leader; or DATABASE_URL_FILE. */
  DATABASE_URL: Type.Optional(Type.String({ minLength: 1 })),
  /** Seconds between scheduled syncs; 0 = no schedule (the start-up sync still runs). */
  SYNC_INTERVAL_SECONDS: Type.Integer({ minimum: 0, maximum: 604_800, default: 3600 }),
  /** Readiness fails when the last good snapshot is older than this; 0 = derive (2 × interval + 5 min, or 1 day). */
  SYNC_MAX_AGE_SECONDS: Type.Integer({ minimum: 0, default: 0 }),
  /** pino log level. */
  LOG_LEVEL: Type.Union(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map(l => Type.Literal(l)), { default: 'info' }),
  /** Optional bearer token for GET /metrics (otherwise /metrics is open). */
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 1 }))
})

export type Env = Static<typeof EnvSchema>

export type Config = ReturnType<typeof loadConfig>

/** Variables that may come from a mounted file instead: `NAME_FILE` (Docker/Kubernetes secrets). */
export const FILE_VARIANTS = ['ZUORA_OAUTH_CLIENT_SECRET', 'API_TOKENS', 'DATABASE_URL']

const MIN_API_TOKEN_LENGTH = 16

/** A configuration problem: the process must exit before listening. The message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError'
  readonly problems: string[]
  constructor (problems: string[]) {
    super(`Invalid configuration:\n${problems.map(p => `  - ${p}`).join('\n')}`)
    this.problems = problems
  }
}

/** `NAME` or `NAME_FILE` (never both); empty strings mean unset (compose files pass `VAR=` for unset values). */
function readEnv (env: NodeJS.ProcessEnv, problems: string[]): Record<string, string> {
  const out = { ...env }
  for (const name of FILE_VARIANTS) {
    const file = env[`${name}_FILE`]
    if (file === undefined || file === '') continue
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${name} and ${name}_FILE are both set: set only one`)
      continue
    }
    try {
      out[name] = readFileSync(file, 'utf8').trim()
    } catch (err) {
      problems.push(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`)
    }
  }
  return Object.fromEntries(Object.entries(out).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''))
}

/** One line per variable and problem, `NAME: what is wrong` (values are never echoed: some are secrets). */
function schemaProblems (errors: readonly ErrorObject[]): string[] {
  const out = new Set<string>()
  for (const e of errors) {
    if (e.keyword === 'required') {
      const name = String(e.params.missingProperty)
      out.add(`${name}: required but not set${name === 'ZUORA_OAUTH_CLIENT_SECRET' ? ' (set it, or ZUORA_OAUTH_CLIENT_SECRET_FILE)' : ''}`)
    } else if (e.keyword !== 'const') { // a union's `const` errors are reported once, by the enclosing anyOf
      const name = e.instancePath.replace(/^\//, '').split('/')[0] ?? ''
      const allowed = e.keyword === 'anyOf' ? (EnvSchema.properties as Record<string, { anyOf?: Array<{ const?: unknown }> }>)[name]?.anyOf : undefined
      const what = allowed !== undefined ? `must be one of ${allowed.map(s => s.const).join(', ')}` : (e.message ?? 'is invalid')
      out.add(name === '' ? what : `${name}: ${what}`)
    }
  }
  return [...out]
}

function parseTrustProxy (raw: string): boolean | string[] {
  const value = raw.trim().toLowerCase()
  if (value === 'true') return true
  if (value === 'false' || value === '') return false
  return raw.split(',').map(s => s.trim()).filter(Boolean)
}

function parseApiTokens (raw: string | undefined, problems: string[]): Secret[] {
  const tokens = (raw ?? '').split(/[,\n]/).map(s => s.trim()).filter(Boolean)
  tokens.forEach((tok, i) => {
    if (tok.length < MIN_API_TOKEN_LENGTH) problems.push(`API_TOKENS: token #${i + 1} is shorter than ${MIN_API_TOKEN_LENGTH} characters; use a long random value (e.g. openssl rand -hex 32)`)
    if (/\s/.test(tok)) problems.push(`API_TOKENS: token #${i + 1} contains white space`)
  })
  return tokens.map(t => new Secret(t))
}

/**
 * Validates the environment and derives the frozen configuration.
 * Throws ConfigError listing every problem; secrets never appear in messages.
 */
export function loadConfig (rawEnv: NodeJS.ProcessEnv = process.env) {
  const problems: string[] = []
  let env: Env
  try {
    // env: false — read only the given variables (never merge process.env behind the caller's back)
    env = envSchema<Env>({ schema: EnvSchema, data: readEnv(rawEnv, problems), env: false, dotenv: false })
  } catch (err) {
    const errors = (err as { errors?: ErrorObject[] }).errors
    throw new ConfigError([...problems, ...Array.isArray(errors) ? schemaProblems(errors) : [`invalid environment: ${(err as Error).message}`]])
  }
  const allowCustomHosts = env.ZUORA_ALLOW_CUSTOM_HOSTS
  const url = (name: string, fn: () => string): string => {
    try {
      return fn()
    } catch (err) {
      problems.push(`${name}: ${(err as Error).message}`)
      return ''
    }
  }
  const tenantBaseUrl = url('ZUORA_TENANT_BASE_URL', () => normaliseTenantBaseUrl(env.ZUORA_TENANT_BASE_URL, { allowCustomHosts }))
  const tokenUrl = env.ZUORA_TOKEN_URL !== undefined
    ? url('ZUORA_TOKEN_URL', () => normaliseOverrideUrl(env.ZUORA_TOKEN_URL as string, 'token', { allowCustomHosts }))
    : (tenantBaseUrl && deriveTokenUrl(tenantBaseUrl))
  const scimBaseUrl = env.ZUORA_SCIM_BASE_URL !== undefined
    ? url('ZUORA_SCIM_BASE_URL', () => normaliseOverrideUrl(env.ZUORA_SCIM_BASE_URL as string, 'scim', { allowCustomHosts }))
    : (tenantBaseUrl && deriveScimBaseUrl(tenantBaseUrl))

  const tokens = parseApiTokens(env.API_TOKENS, problems)
  if (tokens.length === 0 && !env.AUTH_DISABLED) {
    problems.push('API_TOKENS: no API token configured; set API_TOKENS (or API_TOKENS_FILE), or AUTH_DISABLED=true for local development only')
  }
  if ((env.TLS_CERT_FILE === undefined) !== (env.TLS_KEY_FILE === undefined)) {
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE: set both to serve HTTPS, or neither to serve HTTP behind a TLS-terminating proxy')
  }
  if (problems.length > 0) throw new ConfigError(problems)

  const interval = env.SYNC_INTERVAL_SECONDS
  // The Zuora connection's own settings type (src/zuora/types.ts): Config['zuora'] has one definition.
  const zuora: ZuoraSettings = {
    tenantBaseUrl,
    tokenUrl,
    scimBaseUrl,
    clientId: env.ZUORA_OAUTH_CLIENT_ID,
    clientSecret: new Secret(env.ZUORA_OAUTH_CLIENT_SECRET),
    maxConcurrency: env.ZUORA_MAX_CONCURRENCY,
    requestTimeoutMs: env.ZUORA_REQUEST_TIMEOUT_MS,
    maxAttempts: env.ZUORA_MAX_ATTEMPTS,
    usersPageSize: env.ZUORA_USERS_PAGE_SIZE,
    groupsPageSize: env.ZUORA_GROUPS_PAGE_SIZE,
    usersStartIndex: env.ZUORA_USERS_START_INDEX,
    groupsStartIndex: env.ZUORA_GROUPS_START_INDEX,
    clientAuth: env.ZUORA_OAUTH_CLIENT_AUTH
  }
  return deepFreeze({
    zuora,
    http: {
      host: env.HOST,
      port: env.PORT,
      tls: env.TLS_CERT_FILE !== undefined && env.TLS_KEY_FILE !== undefined ? { certFile: env.TLS_CERT_FILE, keyFile: env.TLS_KEY_FILE } : undefined,
      trustProxy: parseTrustProxy(env.TRUST_PROXY)
    },
    auth: {
      disabled: env.AUTH_DISABLED,
      tokens,
      metricsToken: env.METRICS_TOKEN !== undefined ? new Secret(env.METRICS_TOKEN) : undefined
    },
    sync: {
      intervalSeconds: interval,
      maxAgeSeconds: env.SYNC_MAX_AGE_SECONDS > 0 ? env.SYNC_MAX_AGE_SECONDS : (interval > 0 ? 2 * interval + 300 : 86_400),
      dataDir: env.DATA_DIR,
      /** PostgreSQL store (several replicas); absent: files in dataDir. */
      databaseUrl: env.DATABASE_URL !== undefined ? new Secret(env.DATABASE_URL) : undefined
    },
    logLevel: env.LOG_LEVEL
  })
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object' && !(value instanceof Secret) && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}
