/**
 * The 401 rules of the SCIM client, step by step with a scripted HTTP layer (no timers, no races):
 * refresh once and retry once; a second 401 on a token Zuora never accepted is a hard auth error; a 401 on a
 * token Zuora had accepted (revoked mid-read) refreshes again, boundedly.
 */
import t from 'tap'
import { AUTH_HINT, type ZuoraError } from '#src/zuora/errors.ts'
import { MAX_AUTH_REFRESHES, createScimClient } from '#src/zuora/scim-client.ts'
import type { TokenManager } from '#src/zuora/token-manager.ts'
import type { Upstream, UpstreamRequest, UpstreamResponse } from '#src/zuora/upstream.ts'
import { listResponse, scimUser, zuoraConfig } from './helpers.ts'

interface Pending {
  readonly id: string
  readonly token: string
  answer(status: number): void
}

/** An upstream whose every request waits until the test answers it. */
function scriptedHttp () {
  const pending: Pending[] = []
  const http: Pick<Upstream, 'send' | 'stats'> = {
    stats: () => ({ active: 0, queued: 0, paused: false, pausedUntil: null, requests: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0 }),
    send: (req: UpstreamRequest) => new Promise<UpstreamResponse>(resolve => {
      const id = `u${new URL(req.url).searchParams.get('startIndex') ?? ''}`
      const token = (req.headers?.authorization ?? '').replace(/^Bearer /, '')
      pending.push({
        id,
        token,
        answer (status) {
          pending.splice(pending.indexOf(this), 1)
          req.onStatus?.(status)
          const text = status === 200
            ? JSON.stringify(listResponse([scimUser(id)], 1000))
            : JSON.stringify({ success: false, reasons: [{ message: 'Unauthorized', code: '90000011' }] })
          resolve({ status, text, contentType: 'application/json', requestId: `r-${id}` })
        }
      })
    })
  }
  /** The pending request for `id` (after letting queued work start). */
  const next = async (id: string): Promise<Pending> => {
    for (let i = 0; i < 20; i++) {
      const p = pending.find(x => x.id === id)
      if (p !== undefined) return p
      await new Promise(resolve => setImmediate(resolve))
    }
    throw new Error(`no request for ${id}`)
  }
  return { http, next, pending }
}

/** Tokens T1, T2, …: minted on demand after the current one was invalidated. */
function fakeTokens () {
  let minted = 0
  let current: string | undefined
  const tokens: TokenManager = {
    getToken: async () => (current ??= `T${++minted}`),
    invalidate: token => { if (token === current) current = undefined },
    current: () => undefined,
    requests: () => minted,
    clientAuthMethod: () => 'post',
    close: () => {}
  }
  return tokens
}

function client () {
  const { http, next, pending } = scriptedHttp()
  const tokens = fakeTokens()
  const scim = createScimClient({ config: zuoraConfig(), upstream: http, tokens })
  /** Reads user `u<n>`: the one-resource page at startIndex n. */
  const get = (n: number) => scim.readPage('users', n, 1).then(page => page.items[0])
  return { get, next, pending, tokens }
}

t.test('401 → refresh once, retry once → success', async t => {
  const { get, next, tokens } = client()
  const p = get(1)
  const first = await next('u1')
  t.equal(first.token, 'T1')
  first.answer(401)
  const second = await next('u1')
  t.equal(second.token, 'T2', 'retried with a fresh token')
  second.answer(200)
  t.equal((await p)?.id, 'u1')
  t.equal(tokens.requests(), 2)
})

t.test('a second 401 on a fresh token Zuora never accepted: hard auth error naming credentials / data center', async t => {
  const { get, next, tokens } = client()
  const p = get(1).catch((e: unknown) => e)
  ;(await next('u1')).answer(401)
  ;(await next('u1')).answer(401)
  const err = await p as ZuoraError
  t.match(err, { name: 'ZuoraError', kind: 'auth', httpStatus: 502, upstreamStatus: 401, code: '90000011', requestId: 'r-u1' })
  t.match(err.message, /Unauthorized even with a freshly issued token\. Hint: /)
  t.match(err.message, AUTH_HINT)
  t.match(err.message, /client id and secret.*data center/)
  t.notMatch(err.message, /T1|T2/, 'no token in the message')
  t.equal(tokens.requests(), 2, 'exactly one refresh')
})

t.test('a token revoked after Zuora accepted it: the request refreshes again instead of failing', async t => {
  const { get, next, tokens } = client()
  // T1 works, then is revoked
  const warm = get(0)
  ;(await next('u0')).answer(200)
  await warm
  const p = get(1)
  const a = await next('u1')
  t.equal(a.token, 'T1')
  a.answer(401)
  const b = await next('u1')
  t.equal(b.token, 'T2')
  // meanwhile another request proves T2 works …
  const other = get(2)
  const o = await next('u2')
  t.equal(o.token, 'T2')
  o.answer(200)
  await other
  // … and then T2 is revoked too, before u1's retry is answered
  b.answer(401)
  const c = await next('u1')
  t.equal(c.token, 'T3', 'a third token: the 401 was a revocation, not bad credentials')
  c.answer(200)
  t.equal((await p)?.id, 'u1')
  t.equal(tokens.requests(), 3)
})

t.test('revocations are followed at most MAX_AUTH_REFRESHES times per request', async t => {
  const { get, next, tokens } = client()
  const p = get(99).catch((e: unknown) => e)
  for (let round = 1; round <= MAX_AUTH_REFRESHES + 1; round++) {
    const v = await next('u99')
    t.equal(v.token, `T${round}`)
    // the token works for someone else, then is revoked before the victim's answer
    const ok = get(100 + round)
    ;(await next(`u${100 + round}`)).answer(200)
    await ok
    v.answer(401)
  }
  const err = await p as ZuoraError
  t.match(err, { name: 'ZuoraError', kind: 'auth', upstreamStatus: 401 })
  t.match(err.message, new RegExp(`Unauthorized after ${MAX_AUTH_REFRESHES} token refreshes\\. Hint: `))
  t.equal(tokens.requests(), MAX_AUTH_REFRESHES + 1, 'one token per round, none after the last 401')
})
