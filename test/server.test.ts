/**
 * src/server.ts: start() over HTTPS with a certificate made at test time, the HTTP fallback, server timeouts, and the
 * start-up failures (bad config, unreadable or unusable TLS files, port in use) that must stop the process
 * before it listens, naming the variable and never printing a secret.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import type { Test } from 'tap'
import { Agent, fetch as undiciFetch } from 'undici'
import { ConfigError } from '#src/config.ts'
import { SERVER_TIMEOUTS, StartupError, start } from '#src/server.ts'
import { API_TOKEN, testEnv } from './helper.ts'

const run = promisify(execFile)
const ROOT = join(import.meta.dirname, '..')

function baseEnv (dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return testEnv({ DATA_DIR: dataDir, ...extra })
}

async function tempDir (t: Test, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}

/** A self-signed certificate for 127.0.0.1, made with openssl now (P-256: a key in milliseconds, where RSA takes seconds). */
async function selfSigned (dir: string): Promise<{ cert: string, key: string }> {
  const cert = join(dir, 'cert.pem')
  const key = join(dir, 'key.pem')
  await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1',
    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'])
  return { cert, key }
}

/** Runs `node --import tsx src/server.ts` with `env` only; resolves with its exit code and output. */
function runServer (env: NodeJS.ProcessEnv): Promise<{ code: number | null, stdout: string, stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, 60_000)
    child.on('error', reject)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

t.test('serves HTTPS with TLS_CERT_FILE and TLS_KEY_FILE', async (t) => {
  const dir = await tempDir(t, 'server-tls-')
  const { cert, key } = await selfSigned(dir)
  const service = await start(baseEnv(dir, { TLS_CERT_FILE: cert, TLS_KEY_FILE: key }), { startSync: false })
  t.teardown(() => service.close())
  t.match(service.url, /^https:\/\/127\.0\.0\.1:\d+$/)

  const agent = new Agent({ connect: { ca: await readFile(cert) } })
  t.teardown(() => agent.close())
  const live = await undiciFetch(`${service.url}/health/live`, { dispatcher: agent })
  t.equal(live.status, 200)
  t.same(await live.json(), { status: 'ok' })
  const jobs = await undiciFetch(`${service.url}/sync/jobs`, { dispatcher: agent, headers: { authorization: `Bearer ${API_TOKEN}` } })
  t.equal(jobs.status, 200, 'an authenticated route over TLS')

  const plain = await fetch(service.url.replace('https:', 'http:') + '/health/live').then(r => r.status, () => 'refused')
  t.not(plain, 200, 'plain HTTP is not served on the TLS port')
})

t.test('serves plain HTTP without TLS files, with the server timeouts set', async (t) => {
  const dir = await tempDir(t, 'server-http-')
  const service = await start(baseEnv(dir), { startSync: false })
  t.teardown(() => service.close())
  t.match(service.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  const res = await fetch(`${service.url}/health/live`)
  t.equal(res.status, 200)
  t.equal(service.app.server.keepAliveTimeout, SERVER_TIMEOUTS.keepAliveTimeout)
  t.equal(service.app.server.requestTimeout, SERVER_TIMEOUTS.requestTimeout)
  t.equal(service.app.server.headersTimeout, SERVER_TIMEOUTS.headersTimeout)
  t.equal(service.app.server.timeout, SERVER_TIMEOUTS.connectionTimeout)
})

t.test('a configuration error rejects with ConfigError naming the variables, before listening', async (t) => {
  const err = await start({ ZUORA_OAUTH_CLIENT_SECRET: 'not-printed-secret-value' }).then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof ConfigError)
  const message = (err as Error).message
  t.match(message, /ZUORA_TENANT_BASE_URL/)
  t.match(message, /ZUORA_OAUTH_CLIENT_ID/)
  t.notMatch(message, /not-printed-secret-value/)
})

t.test('unreadable or unusable TLS files are start-up errors naming the variable', async (t) => {
  const dir = await tempDir(t, 'server-badtls-')
  const missing = await start(baseEnv(dir, { TLS_CERT_FILE: join(dir, 'nope.pem'), TLS_KEY_FILE: join(dir, 'nope-key.pem') }), { startSync: false })
    .then(() => undefined, (e: unknown) => e)
  t.ok(missing instanceof StartupError)
  t.match((missing as Error).message, /TLS_CERT_FILE: cannot read .*nope\.pem \(ENOENT\); TLS_KEY_FILE: cannot read .*nope-key\.pem \(ENOENT\)/)

  await writeFile(join(dir, 'junk-cert.pem'), 'not a certificate')
  await writeFile(join(dir, 'junk-key.pem'), 'not a key')
  const junk = await start(baseEnv(dir, { TLS_CERT_FILE: join(dir, 'junk-cert.pem'), TLS_KEY_FILE: join(dir, 'junk-key.pem') }), { startSync: false })
    .then(() => undefined, (e: unknown) => e)
  t.ok(junk instanceof StartupError, 'junk PEM → StartupError')
  t.match((junk as Error).message, /TLS_CERT_FILE \/ TLS_KEY_FILE: not a usable PEM/)
})

t.test('a port in use is a start-up error', async (t) => {
  const dir = await tempDir(t, 'server-busy-')
  const blocker = createServer()
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => blocker.close(() => resolve())))
  const port = (blocker.address() as AddressInfo).port
  const err = await start(baseEnv(dir, { PORT: String(port) }), { startSync: false }).then(() => undefined, (e: unknown) => e)
  t.ok(err instanceof StartupError)
  t.match((err as Error).message, /EADDRINUSE/)
})

t.test('as a process: a bad configuration exits 1, names the variable, prints no secret', async (t) => {
  const dir = await tempDir(t, 'server-proc-')
  const secret = 'very-secret-client-secret-42'
  const apiToken = 'api-token-that-must-not-appear-0001'
  const [res, badPort] = await Promise.all([
    runServer({
      ...baseEnv(dir, { ZUORA_OAUTH_CLIENT_SECRET: secret, API_TOKENS: apiToken, LOG_LEVEL: 'debug' }),
      ZUORA_TENANT_BASE_URL: 'https://rest.zuora.com.evil.example',
      ZUORA_ALLOW_CUSTOM_HOSTS: 'false'
    }),
    runServer({ ...baseEnv(dir, { ZUORA_OAUTH_CLIENT_SECRET: secret }), PORT: 'not-a-port' })
  ])
  t.equal(res.code, 1)
  t.match(res.stderr, /ZUORA_TENANT_BASE_URL/)
  t.equal(badPort.code, 1)
  t.match(badPort.stderr, /PORT/)
  t.notMatch(badPort.stderr, secret)
  t.equal(res.stdout, '', 'nothing listened, nothing logged')
  t.notMatch(res.stderr + res.stdout, secret)
  t.notMatch(res.stderr + res.stdout, apiToken)
})

t.test('as a process: an unreadable TLS file exits 1 with a clear message', async (t) => {
  const dir = await tempDir(t, 'server-proc-tls-')
  const res = await runServer(baseEnv(dir, { TLS_CERT_FILE: join(dir, 'missing-cert.pem'), TLS_KEY_FILE: join(dir, 'missing-key.pem') }))
  t.equal(res.code, 1)
  t.match(res.stderr, /Cannot start: TLS_CERT_FILE: cannot read .*missing-cert\.pem/)
})
