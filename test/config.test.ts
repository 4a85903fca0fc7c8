import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'
import t from 'tap'
import { ConfigError, loadConfig } from '#src/config.ts'
import { Secret } from '#src/secret.ts'
import { ZUORA_REST_HOSTS } from '#src/zuora/data-centers.ts'

const SECRET = 'zuora-client-secret-4c1f9e'
const API_TOKEN = 'api-token-0123456789abcdef'

const base = {
  ZUORA_TENANT_BASE_URL: 'https://rest.eu.zuora.com',
  ZUORA_OAUTH_CLIENT_ID: '00000000-0000-4000-8000-000000000001',
  ZUORA_OAUTH_CLIENT_SECRET: SECRET,
  API_TOKENS: API_TOKEN
}

/** The problems of a refused environment (fails the test if it is accepted). */
function problems (env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    for (const s of [SECRET, API_TOKEN, 'hunter2']) {
      if (err.message.includes(s)) throw new Error(`secret in the ConfigError message: ${err.message}`)
    }
    return err.problems
  }
  throw new Error(`accepted: ${JSON.stringify(env)}`)
}

t.test('a minimal environment: defaults and derived URLs', async t => {
  const c = loadConfig(base)
  t.match(c.zuora, {
    tenantBaseUrl: 'https://rest.eu.zuora.com',
    tokenUrl: 'https://rest.eu.zuora.com/oauth/token',
    scimBaseUrl: 'https://rest.eu.zuora.com/scim/v2',
    clientId: base.ZUORA_OAUTH_CLIENT_ID,
    maxConcurrency: 4,
    requestTimeoutMs: 30_000,
    maxAttempts: 5,
    usersPageSize: 100,
    groupsPageSize: 100,
    usersStartIndex: 'auto',
    groupsStartIndex: 'auto',
    clientAuth: 'auto'
  })
  t.ok(c.zuora.clientSecret instanceof Secret)
  t.equal(c.zuora.clientSecret.reveal(), SECRET)
  t.same(c.http, { host: '0.0.0.0', port: 3000, trustProxy: false })
  t.equal(c.auth.disabled, false)
  t.same(c.auth.tokens.map(s => s.reveal()), [API_TOKEN])
  t.equal(c.auth.metricsToken, undefined)
  t.same(c.sync, { intervalSeconds: 3600, maxAgeSeconds: 2 * 3600 + 300, dataDir: './data' })
  t.equal(c.logLevel, 'info')
  t.ok(Object.isFrozen(c) && Object.isFrozen(c.zuora) && Object.isFrozen(c.http), 'frozen')
  t.notMatch(JSON.stringify(c), SECRET, 'secrets never serialise')
  t.notMatch(inspect(c, { depth: 10 }), SECRET)
  t.notMatch(inspect(c, { depth: 10 }), API_TOKEN)
})

t.test('every variable set', async t => {
  const c = loadConfig({
    ...base,
    ZUORA_TENANT_BASE_URL: 'https://rest.apisandbox.zuora.com/v1/',
    ZUORA_TOKEN_URL: 'https://one.zuora.com/oauth2/token',
    ZUORA_SCIM_BASE_URL: 'https://one.zuora.com/scim/v2/',
    ZUORA_MAX_CONCURRENCY: '40',
    ZUORA_REQUEST_TIMEOUT_MS: '1500',
    ZUORA_MAX_ATTEMPTS: '1',
    ZUORA_USERS_PAGE_SIZE: '50',
    ZUORA_GROUPS_PAGE_SIZE: '20',
    ZUORA_USERS_START_INDEX: 'page',
    ZUORA_GROUPS_START_INDEX: 'item',
    ZUORA_OAUTH_CLIENT_AUTH: 'basic',
    API_TOKENS: `${API_TOKEN}, second-token-abcdefghij\n`,
    TLS_CERT_FILE: '/run/secrets/cert.pem',
    TLS_KEY_FILE: '/run/secrets/key.pem',
    TRUST_PROXY: '10.0.0.0/8, 127.0.0.1',
    PORT: '8443',
    HOST: '127.0.0.1',
    DATA_DIR: '/var/lib/facade',
    SYNC_INTERVAL_SECONDS: '0',
    SYNC_MAX_AGE_SECONDS: '0',
    LOG_LEVEL: 'debug',
    METRICS_TOKEN: 'metrics-token-xyz'
  })
  t.match(c.zuora, {
    tenantBaseUrl: 'https://rest.apisandbox.zuora.com',
    tokenUrl: 'https://one.zuora.com/oauth2/token',
    scimBaseUrl: 'https://one.zuora.com/scim/v2',
    maxConcurrency: 40,
    requestTimeoutMs: 1500,
    maxAttempts: 1,
    usersPageSize: 50,
    groupsPageSize: 20,
    usersStartIndex: 'page',
    groupsStartIndex: 'item',
    clientAuth: 'basic'
  })
  t.same(c.http, { host: '127.0.0.1', port: 8443, tls: { certFile: '/run/secrets/cert.pem', keyFile: '/run/secrets/key.pem' }, trustProxy: ['10.0.0.0/8', '127.0.0.1'] })
  t.same(c.auth.tokens.map(s => s.reveal()), [API_TOKEN, 'second-token-abcdefghij'])
  t.equal(c.auth.metricsToken?.reveal(), 'metrics-token-xyz')
  t.same(c.sync, { intervalSeconds: 0, maxAgeSeconds: 86_400, dataDir: '/var/lib/facade' })
  t.equal(c.logLevel, 'debug')
  t.equal(loadConfig({ ...base, SYNC_MAX_AGE_SECONDS: '600' }).sync.maxAgeSeconds, 600)
  t.equal(loadConfig({ ...base, TRUST_PROXY: 'true' }).http.trustProxy, true)
  t.equal(loadConfig({ ...base, AUTH_DISABLED: 'true', API_TOKENS: '' }).auth.disabled, true)
})

t.test('each of the 10 data-center hosts is accepted (with / and /v1 normalised)', async t => {
  t.equal(ZUORA_REST_HOSTS.length, 10)
  for (const host of ZUORA_REST_HOSTS) {
    for (const suffix of ['', '/', '/v1', '/v1/']) {
      const c = loadConfig({ ...base, ZUORA_TENANT_BASE_URL: `https://${host}${suffix}` })
      t.equal(c.zuora.tenantBaseUrl, `https://${host}`, `${host}${suffix}`)
      t.equal(c.zuora.tokenUrl, `https://${host}/oauth/token`)
      t.equal(c.zuora.scimBaseUrl, `https://${host}/scim/v2`)
    }
  }
})

t.test('refused tenant base URLs name the variable and list the valid hosts', async t => {
  const bad = [
    'https://rest.zuora.com.evil.com',
    'http://rest.zuora.com',
    'https://user@rest.zuora.com',
    'https://admin:hunter2@rest.zuora.com',
    'https://rest.zuora.com:443',
    'https://rest.zuora.com/scim/v2',
    'https://rest.pt1.zuora.com',
    'https://one.zuora.com',
    'https://www.zuora.com',
    'not a url'
  ]
  for (const url of bad) {
    const p = problems({ ...base, ZUORA_TENANT_BASE_URL: url })
    t.equal(p.length, 1, url)
    t.match(p[0], /^ZUORA_TENANT_BASE_URL: /, url)
  }
  const [look] = problems({ ...base, ZUORA_TENANT_BASE_URL: 'https://rest.zuora.com.evil.com' })
  for (const host of ZUORA_REST_HOSTS) t.match(look, `https://${host}`, `the message lists ${host}`)
  t.match(look, /ZUORA_ALLOW_CUSTOM_HOSTS/)
})

t.test('ZUORA_ALLOW_CUSTOM_HOSTS: any https host, plain http only on loopback', async t => {
  const custom = { ...base, ZUORA_ALLOW_CUSTOM_HOSTS: 'true' }
  t.equal(loadConfig({ ...custom, ZUORA_TENANT_BASE_URL: 'http://127.0.0.1:4010' }).zuora.tokenUrl, 'http://127.0.0.1:4010/oauth/token')
  t.equal(loadConfig({ ...custom, ZUORA_TENANT_BASE_URL: 'http://localhost:4010/' }).zuora.scimBaseUrl, 'http://localhost:4010/scim/v2')
  t.equal(loadConfig({ ...custom, ZUORA_TENANT_BASE_URL: 'http://[::1]:4010' }).zuora.tenantBaseUrl, 'http://[::1]:4010')
  t.equal(loadConfig({ ...custom, ZUORA_TENANT_BASE_URL: 'https://egress.internal:8443/zuora' }).zuora.tokenUrl, 'https://egress.internal:8443/zuora/oauth/token')
  t.match(problems({ ...custom, ZUORA_TENANT_BASE_URL: 'http://simulator:8080' }), [/^ZUORA_TENANT_BASE_URL: .*loopback/])
  t.match(problems({ ...custom, ZUORA_TOKEN_URL: 'http://10.1.2.3/oauth/token' }), [/^ZUORA_TOKEN_URL: .*loopback/])
  t.match(problems({ ...custom, ZUORA_TENANT_BASE_URL: 'https://u:hunter2@egress.internal' }), [/^ZUORA_TENANT_BASE_URL: credentials/])
  t.match(problems({ ...base, ZUORA_ALLOW_CUSTOM_HOSTS: 'maybe' }), [/^ZUORA_ALLOW_CUSTOM_HOSTS: must be boolean/])
})

t.test('token and SCIM overrides: OneID allowed, validated like the base', async t => {
  t.match(problems({ ...base, ZUORA_TOKEN_URL: 'https://one.zuora.com.evil.com/oauth2/token' }), [/^ZUORA_TOKEN_URL: .*not a Zuora host.*https:\/\/one\.zuora\.com/])
  t.match(problems({ ...base, ZUORA_SCIM_BASE_URL: 'http://one.zuora.com/scim/v2' }), [/^ZUORA_SCIM_BASE_URL: only https/])
  t.match(problems({ ...base, ZUORA_SCIM_BASE_URL: 'https://one.zuora.com' }), [/^ZUORA_SCIM_BASE_URL: .*needs a path/])
  t.match(problems({ ...base, ZUORA_TOKEN_URL: `https://one.zuora.com/oauth2/token?client_secret=${SECRET}` }), [/^ZUORA_TOKEN_URL: a query string/])
  t.equal(loadConfig({ ...base, ZUORA_TOKEN_URL: '' }).zuora.tokenUrl, 'https://rest.eu.zuora.com/oauth/token', 'empty = unset')
})

t.test('missing and invalid values: every problem named, all at once', async t => {
  t.same(problems({}), [
    'ZUORA_TENANT_BASE_URL: required but not set',
    'ZUORA_OAUTH_CLIENT_ID: required but not set',
    'ZUORA_OAUTH_CLIENT_SECRET: required but not set (set it, or ZUORA_OAUTH_CLIENT_SECRET_FILE)'
  ])
  t.match(problems({ ...base, ZUORA_OAUTH_CLIENT_SECRET: '' }), [/^ZUORA_OAUTH_CLIENT_SECRET: required/], 'empty = unset')
  const p = problems({
    ...base,
    ZUORA_MAX_CONCURRENCY: '41',
    ZUORA_REQUEST_TIMEOUT_MS: 'soon',
    ZUORA_MAX_ATTEMPTS: '0',
    ZUORA_USERS_PAGE_SIZE: '101',
    ZUORA_GROUPS_PAGE_SIZE: '1000',
    ZUORA_USERS_START_INDEX: 'offset',
    ZUORA_GROUPS_START_INDEX: 'x',
    ZUORA_OAUTH_CLIENT_AUTH: 'mtls',
    PORT: '70000',
    SYNC_INTERVAL_SECONDS: '-1',
    SYNC_MAX_AGE_SECONDS: '1.5',
    LOG_LEVEL: 'loud',
    AUTH_DISABLED: 'perhaps'
  })
  const names = p.map(line => line.split(':')[0])
  t.same(names.sort(), [
    'AUTH_DISABLED', 'LOG_LEVEL', 'PORT', 'SYNC_INTERVAL_SECONDS', 'SYNC_MAX_AGE_SECONDS', 'ZUORA_GROUPS_PAGE_SIZE',
    'ZUORA_GROUPS_START_INDEX', 'ZUORA_MAX_ATTEMPTS', 'ZUORA_MAX_CONCURRENCY', 'ZUORA_OAUTH_CLIENT_AUTH', 'ZUORA_REQUEST_TIMEOUT_MS',
    'ZUORA_USERS_PAGE_SIZE', 'ZUORA_USERS_START_INDEX'
  ], 'one line per variable')
  t.ok(p.includes('ZUORA_MAX_CONCURRENCY: must be <= 40'))
  t.ok(p.includes('LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent'))
  t.ok(p.includes('ZUORA_USERS_START_INDEX: must be one of auto, item, page'))
  t.ok(p.includes('ZUORA_OAUTH_CLIENT_AUTH: must be one of auto, basic, post'))
})

t.test('API tokens, TLS pair and auth rules', async t => {
  t.match(problems({ ...base, API_TOKENS: '' }), [/^API_TOKENS: no API token configured/])
  t.match(problems({ ...base, API_TOKENS: 'short' }), [/^API_TOKENS: token #1 is shorter than 16/])
  const p = problems({ ...base, API_TOKENS: `${API_TOKEN},tiny` })
  t.match(p, [/^API_TOKENS: token #2 is shorter/])
  t.notMatch(p.join('\n'), /tiny/, 'the token itself is never printed')
  t.match(problems({ ...base, TLS_CERT_FILE: '/c.pem' }), [/^TLS_CERT_FILE and TLS_KEY_FILE: set both/])
})

t.test('_FILE variants (Docker/Kubernetes secrets)', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'config-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const secretFile = join(dir, 'client-secret')
  const tokensFile = join(dir, 'api-tokens')
  await writeFile(secretFile, `${SECRET}\n`)
  await writeFile(tokensFile, `${API_TOKEN}\nanother-token-0123456789\n`)
  const { ZUORA_OAUTH_CLIENT_SECRET: _s, API_TOKENS: _a, ...rest } = base
  const c = loadConfig({ ...rest, ZUORA_OAUTH_CLIENT_SECRET_FILE: secretFile, API_TOKENS_FILE: tokensFile })
  t.equal(c.zuora.clientSecret.reveal(), SECRET, 'read and trimmed')
  t.same(c.auth.tokens.map(s => s.reveal()), [API_TOKEN, 'another-token-0123456789'])

  t.match(problems({ ...base, ZUORA_OAUTH_CLIENT_SECRET_FILE: secretFile }), [/^ZUORA_OAUTH_CLIENT_SECRET and ZUORA_OAUTH_CLIENT_SECRET_FILE are both set/])
  const missing = problems({ ...rest, API_TOKENS: API_TOKEN, ZUORA_OAUTH_CLIENT_SECRET_FILE: join(dir, 'nope') })
  t.match(missing, [/^ZUORA_OAUTH_CLIENT_SECRET_FILE: cannot read .*nope \(ENOENT\)/, /^ZUORA_OAUTH_CLIENT_SECRET: required/])
})

t.test('only the given variables are read (never process.env behind the caller\'s back)', async t => {
  const saved = process.env.ZUORA_OAUTH_CLIENT_ID
  process.env.ZUORA_OAUTH_CLIENT_ID = 'from-process-env'
  t.teardown(() => {
    if (saved === undefined) delete process.env.ZUORA_OAUTH_CLIENT_ID
    else process.env.ZUORA_OAUTH_CLIENT_ID = saved
  })
  const { ZUORA_OAUTH_CLIENT_ID: _id, ...rest } = base
  t.match(problems(rest), [/^ZUORA_OAUTH_CLIENT_ID: required/])
})
