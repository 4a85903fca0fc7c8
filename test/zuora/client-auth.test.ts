/**
 * OAuth client authentication (ZUORA_OAUTH_CLIENT_AUTH): post, basic, and auto (form body, then HTTP Basic once,
 * remembered); single-flight kept; the secret and the Basic header never reach a log line or an error.
 */
import t from 'tap'
import type { MockAgent } from 'undici'
import { Secret } from '#src/secret.ts'
import { AUTH_HINT, ZuoraError } from '#src/zuora/errors.ts'
import type { ZuoraLogger } from '#src/zuora/logger.ts'
import { createUpstream } from '#src/zuora/upstream.ts'
import { basicCredentials, createTokenManager, type TokenManagerOptions } from '#src/zuora/token-manager.ts'
import { BASE, CLIENT_ID, CLIENT_SECRET, JSON_HEADERS, mockAgent, tokenBody } from './helpers.ts'

const TOKEN_PATH = '/oauth/token'
const BASIC = `Basic ${basicCredentials(CLIENT_ID, CLIENT_SECRET)}`

function captureLogger (lines: string[]): ZuoraLogger {
  const log = (obj: unknown, msg?: string): void => { lines.push(JSON.stringify(obj) + (msg ?? '')) }
  const logger: ZuoraLogger = { debug: log, info: log, warn: log, error: log }
  return logger
}

function manager (agent: MockAgent, extra: Partial<TokenManagerOptions> = {}) {
  const lines: string[] = []
  const logger = captureLogger(lines)
  const upstream = createUpstream({ dispatcher: agent, timeoutMs: 1000, maxConcurrency: 1, maxAttempts: 3, backoff: { baseMs: 1, capMs: 2 }, origins: [BASE], logger })
  const tm = createTokenManager({ tokenUrl: `${BASE}${TOKEN_PATH}`, clientId: CLIENT_ID, clientSecret: new Secret(CLIENT_SECRET), upstream, logger, ...extra })
  return { tm, lines }
}

/** A token endpoint that only accepts HTTP Basic client authentication (RFC 6749 §2.3.1). */
function basicOnly (agent: MockAgent, tokens: string[]): void {
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(opts => {
    const auth = (opts.headers as Record<string, string>).authorization
    if (auth !== BASIC) return { statusCode: 401, data: JSON.stringify({ error: 'invalid_client', error_description: 'client authentication must use HTTP Basic' }), responseOptions: { headers: JSON_HEADERS } }
    return { statusCode: 200, data: JSON.stringify(tokenBody(tokens.shift() ?? 'extra')), responseOptions: { headers: JSON_HEADERS } }
  }).persist()
}

t.test('basicCredentials form-encodes id and secret before base64 (RFC 6749 §2.3.1)', async t => {
  t.equal(Buffer.from(basicCredentials('a b', 'p:w&d'), 'base64').toString(), 'a+b:p%3Aw%26d')
})

t.test('basic: the credentials go in the Authorization header, not the body', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(200, tokenBody('tok-B'), { headers: JSON_HEADERS })
  const { tm } = manager(agent, { clientAuth: 'basic' })
  t.equal(await tm.getToken(), 'tok-B')
  const call = agent.getCallHistory()?.firstCall()
  t.equal((call?.headers as Record<string, string>).authorization, BASIC)
  t.same(Object.fromEntries(new URLSearchParams(call?.body ?? '')), { grant_type: 'client_credentials' })
  t.equal(tm.clientAuthMethod(), 'basic')
})

t.test('auto against a Basic-only endpoint: post, then basic once, then basic only; single-flight kept', async t => {
  const agent = mockAgent(t)
  basicOnly(agent, ['tok-1', 'tok-2'])
  const { tm, lines } = manager(agent)
  const tokens = await Promise.all(Array.from({ length: 200 }, () => tm.getToken()))
  t.ok(tokens.every(x => x === 'tok-1'), 'every concurrent caller gets the one token')
  t.equal(tm.requests(), 2, 'one refused form-body request, one Basic request')
  t.equal(tm.clientAuthMethod(), 'basic')
  tm.invalidate('tok-1')
  t.equal(await tm.getToken(), 'tok-2')
  t.equal(tm.requests(), 3, 'remembered: the next token goes straight to Basic')
  const calls = agent.getCallHistory()?.calls() ?? []
  t.same(calls.map(c => (c.headers as Record<string, string>).authorization === BASIC), [false, true, true])
  const log = lines.join('\n')
  t.match(log, /client_secret_basic/)
  t.notMatch(log, CLIENT_SECRET, 'the secret is never logged')
  t.notMatch(log, basicCredentials(CLIENT_ID, CLIENT_SECRET), 'the Basic credentials are never logged')
})

t.test('auto: both methods refused → one error naming both, with the credentials hint, nothing secret', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' })
    .reply(401, { error: 'invalid_client', error_description: `bad ${CLIENT_SECRET} ${BASIC}` }, { headers: JSON_HEADERS }).times(2)
  const { tm, lines } = manager(agent)
  const err = await tm.getToken().catch((e: unknown) => e) as ZuoraError
  t.ok(err instanceof ZuoraError)
  t.equal(err.kind, 'auth')
  t.match(err.message, /both authentication methods/)
  t.match(err.message, /client_secret_post.*HTTP 401 invalid_client.*client_secret_basic.*HTTP 401 invalid_client/)
  t.match(err.message, AUTH_HINT)
  t.equal(tm.requests(), 2)
  t.equal(tm.clientAuthMethod(), undefined, 'nothing learnt')
  const all = `${err.message}\n${JSON.stringify(err)}\n${lines.join('\n')}`
  t.notMatch(all, CLIENT_SECRET)
  t.notMatch(all, basicCredentials(CLIENT_ID, CLIENT_SECRET))
})

t.test('auto: a refusal that is not about the client (400 unsupported_grant_type) is not retried with Basic', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(400, { error: 'unsupported_grant_type' }, { headers: JSON_HEADERS })
  const { tm } = manager(agent)
  await t.rejects(tm.getToken(), { name: 'ZuoraError', upstreamStatus: 400 })
  t.equal(tm.requests(), 1)
})

t.test('a settled method refused with 400 invalid_request: the hint is added once, the request id stays once', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(400, { error: 'invalid_request' }, { headers: JSON_HEADERS })
  const { tm } = manager(agent, { clientAuth: 'basic' })
  const err = await tm.getToken().catch((e: unknown) => e) as ZuoraError
  t.match(err.message, /^OAuth token request failed: HTTP 400 \(invalid_request\)\. Hint: /)
  t.match(err.message, /set ZUORA_OAUTH_CLIENT_AUTH=post \(or auto\) \[Zuora-Request-Id req-1\]$/)
  t.equal(err.message.split('Zuora-Request-Id').length, 2, 'the request id once')
})

t.test('basic configured but the endpoint wants the form body: the hint names ZUORA_OAUTH_CLIENT_AUTH=post', async t => {
  const agent = mockAgent(t)
  agent.get(BASE).intercept({ path: TOKEN_PATH, method: 'POST' }).reply(400, { error: 'invalid_client' }, { headers: JSON_HEADERS })
  const { tm } = manager(agent, { clientAuth: 'basic' })
  const err = await tm.getToken().catch((e: unknown) => e) as ZuoraError
  t.match(err.message, /ZUORA_OAUTH_CLIENT_AUTH=basic sends client_secret_basic/)
  t.match(err.message, /set ZUORA_OAUTH_CLIENT_AUTH=post \(or auto\)/)
  t.match(err.message, /\[Zuora-Request-Id req-1\]/)
  t.equal(tm.requests(), 1)
})
