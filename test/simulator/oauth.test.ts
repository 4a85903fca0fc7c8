import t from 'tap'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '#simulator/index.ts'
import { form, get, sim, token } from './helpers.ts'

t.test('REST-style /oauth/token', async t => {
  const s = await sim(t)
  const res = await fetch(s.url + '/oauth/token', { method: 'POST', body: form(), headers: { 'zuora-track-id': 'trk-1' } })
  t.equal(res.status, 200)
  t.equal(res.headers.get('zuora-track-id'), 'trk-1')
  t.match(res.headers.get('zuora-request-id'), /^[0-9a-f-]{36}$/)
  const body = await res.json() as Record<string, unknown>
  t.match(body.access_token, /^[0-9a-f]{32}$/)
  t.equal(body.token_type, 'bearer')
  t.equal(body.expires_in, 3599)
  t.type(body.jti, 'string')
  t.type(body.scope, 'string')
  t.equal((await get(s, '/scim/v2/Users?count=1', body.access_token as string)).status, 200)
  t.same(s.control.counters().tokenRequests, 1)
})

t.test('OneID-style /oauth2/token', async t => {
  const s = await sim(t)
  const res = await fetch(s.url + '/oauth2/token', { method: 'POST', body: form() })
  t.equal(res.status, 200)
  const body = await res.json() as Record<string, string | number>
  t.equal(body.token_type, 'Bearer')
  t.equal(body.expires_in, 3600)
  t.equal(body.scope, `admin ${s.control.organizationId}`)
  const parts = String(body.access_token).split('.')
  t.equal(parts.length, 3, 'JWT-looking')
  const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString())
  const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString())
  t.equal(header.alg, 'RS256')
  t.equal(payload.aud, SIM_CLIENT_ID)
  t.equal(payload.exp - payload.iat, 3600)
  t.same(payload.scope, ['admin', s.control.organizationId])
  t.equal((await get(s, '/scim/v2/Groups', String(body.access_token))).status, 200)
})

t.test('errors: grant type, client, content type', async t => {
  const s = await sim(t)
  const post = async (body: string | URLSearchParams, headers: Record<string, string> = {}) => {
    const r = await fetch(s.url + '/oauth/token', { method: 'POST', body, headers })
    return { status: r.status, body: await r.json() as { error?: string } }
  }
  t.same(await post(form({ grant_type: 'password' })), { status: 400, body: { error: 'unsupported_grant_type' } })
  t.same(await post(form({ client_secret: 'nope' })), { status: 401, body: { error: 'invalid_client' } })
  t.same(await post(form({ client_id: 'someone-else' })), { status: 401, body: { error: 'invalid_client' } })
  const json = await post(JSON.stringify({ client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET, grant_type: 'client_credentials' }), { 'content-type': 'application/json' })
  t.equal(json.status, 400)
  t.equal(json.body.error, 'invalid_request')
  const c = s.control.counters()
  t.equal(c.tokenRequests, 4)
  t.equal(c.tokensIssued, 0)
})

t.test('custom client credentials', async t => {
  const s = await sim(t, { clientId: 'c1', clientSecret: 's1' })
  const r = await fetch(s.url + '/oauth2/token', { method: 'POST', body: form({ client_id: 'c1', client_secret: 's1' }) })
  t.equal(r.status, 200)
})

t.test('token TTL, revocation, token 429', async t => {
  const s = await sim(t, { tokenTtlSeconds: 0.2 })
  const r = await fetch(s.url + '/oauth/token', { method: 'POST', body: form() })
  const body = await r.json() as { access_token: string, expires_in: number }
  t.equal(body.expires_in, 0)
  t.equal((await get(s, '/scim/v2/Users', body.access_token)).status, 200)
  await new Promise(resolve => setTimeout(resolve, 250))
  t.equal((await get(s, '/scim/v2/Users', body.access_token)).status, 401, 'expired')

  s.control.set({ tokenTtlSeconds: null })
  const tok = await token(s)
  t.equal((await get(s, '/scim/v2/Users', tok)).status, 200)
  t.ok(s.control.revokeTokens() >= 1)
  const denied = await get(s, '/scim/v2/Users', tok)
  t.equal(denied.status, 401)
  t.same(denied.json, { success: false, reasons: [{ message: 'Unauthorized', code: '90000011' }] })
  t.equal((await get(s, '/scim/v2/Users', await token(s))).status, 200, 'new token works')

  s.control.set({ tokenRateLimited: true, retryAfterSeconds: 3 })
  const limited = await fetch(s.url + '/oauth2/token', { method: 'POST', body: form() })
  t.equal(limited.status, 429)
  t.equal(limited.headers.get('retry-after'), '3')
  s.control.set({ tokenRateLimited: false })
  s.control.failNext(1, '503', 'token')
  t.equal((await fetch(s.url + '/oauth/token', { method: 'POST', body: form() })).status, 503)
  t.equal((await fetch(s.url + '/oauth/token', { method: 'POST', body: form() })).status, 200)
})
