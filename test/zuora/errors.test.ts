import t from 'tap'
import { AUTH_HINT, ZuoraError, errorFromResponse, isZuoraError, kindForStatus, parseUpstreamErrorBody, redactSecrets, sanitizeExcerpt } from '#src/zuora/errors.ts'

t.test('ZuoraError: kinds map to 502/503/504', async t => {
  const cases = [['auth', 502], ['payload', 502], ['upstream', 502], ['unavailable', 503], ['rate-limited', 503], ['aborted', 503], ['timeout', 504]] as const
  for (const [kind, status] of cases) {
    const e = new ZuoraError('x', { kind, endpoint: 'users' })
    t.equal(e.httpStatus, status, kind)
    t.ok(isZuoraError(e))
    t.equal(e.name, 'ZuoraError')
  }
  t.notOk(isZuoraError(new Error('x')))
  t.notOk(isZuoraError('x'))
  const e = new ZuoraError('m', { kind: 'auth', endpoint: 'token', upstreamStatus: 401, code: 'invalid_client', requestId: 'r' })
  t.same(e.toJSON(), { name: 'ZuoraError', message: 'm', kind: 'auth', endpoint: 'token', httpStatus: 502, upstreamStatus: 401, code: 'invalid_client', requestId: 'r' })
})

t.test('parses the SCIM Error shape', async t => {
  const body = JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '400', scimType: 'invalidFilter', detail: 'bad filter' })
  t.same(parseUpstreamErrorBody('application/scim+json', body), { shape: 'scim', code: 'invalidFilter', detail: 'bad filter' })
  const noType = JSON.stringify({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404', detail: 'User not found' })
  t.same(parseUpstreamErrorBody('application/json', noType), { shape: 'scim', detail: 'User not found' })
})

t.test('parses the Zuora {success:false, reasons} shape (string or number code, processId)', async t => {
  const scim401 = JSON.stringify({ success: false, reasons: [{ message: 'Unauthorized', code: '90000011' }] })
  t.same(parseUpstreamErrorBody('application/json', scim401), { shape: 'zuora', code: '90000011', detail: 'Unauthorized' })
  const v1 = JSON.stringify({ success: false, processId: 'P1', reasons: [{ code: 53100320, message: 'a' }, { code: 1, message: 'b' }] })
  t.same(parseUpstreamErrorBody('application/json', v1), { shape: 'zuora', code: '53100320', detail: 'a; b', processId: 'P1' })
})

t.test('parses the OAuth shape', async t => {
  t.same(parseUpstreamErrorBody('application/json', '{"error":"invalid_client"}'), { shape: 'oauth', code: 'invalid_client' })
  t.same(parseUpstreamErrorBody('application/json', '{"error":"invalid_request","error_description":"no grant"}'), { shape: 'oauth', code: 'invalid_request', detail: 'no grant' })
})

t.test('non-JSON bodies: short sanitized excerpt', async t => {
  const html = '<html><head><style>body{}</style></head><body><h1>502 Bad Gateway</h1>\n<p>nginx</p><script>alert(1)</script></body></html>'
  t.same(parseUpstreamErrorBody('text/html', html), { shape: 'text', detail: '502 Bad Gateway nginx' })
  const long = 'x'.repeat(5000)
  const r = parseUpstreamErrorBody('text/plain', long)
  t.ok((r.detail ?? '').length <= 200)
  t.same(parseUpstreamErrorBody('text/plain', '   '), { shape: 'empty' })
  t.same(parseUpstreamErrorBody('application/json', '{not json'), { shape: 'text', detail: '{not json' })
  t.same(parseUpstreamErrorBody('application/json', '{"message":"boom"}'), { shape: 'json', detail: 'boom' })
  t.equal(sanitizeExcerpt('a\u0000b\u001bc'), 'a b c')
})

t.test('secrets never survive into details', async t => {
  const echo = JSON.stringify({ error: 'invalid_client', error_description: 'client_secret=sim-secret-do-not-use-in-production rejected; Authorization: Bearer abc.def.ghi' })
  const r = parseUpstreamErrorBody('application/json', echo, ['sim-secret-do-not-use-in-production'])
  t.notMatch(r.detail ?? '', /sim-secret|abc\.def/)
  t.notMatch(redactSecrets('token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig here'), /eyJ/)
  t.notMatch(redactSecrets('{"access_token":"c652cbc0ea384b9f81856a93a2a74538"}'), /c652cbc0/)
  t.match(redactSecrets('the 0123456789abcdef token', ['0123456789abcdef']), 'the [REDACTED] token')
})

t.test('status → kind, and the message', async t => {
  t.equal(kindForStatus(401, 'users'), 'auth')
  t.equal(kindForStatus(403, 'users'), 'auth')
  t.equal(kindForStatus(400, 'token', { shape: 'oauth', code: 'invalid_client' }), 'auth')
  t.equal(kindForStatus(400, 'token', { shape: 'oauth', code: 'unsupported_grant_type' }), 'upstream')
  t.equal(kindForStatus(400, 'users', { shape: 'oauth', code: 'invalid_client' }), 'upstream')
  t.equal(kindForStatus(429, 'users'), 'rate-limited')
  t.equal(kindForStatus(503, 'users'), 'unavailable')
  t.equal(kindForStatus(504, 'users'), 'timeout')
  t.equal(kindForStatus(404, 'users'), 'upstream')
  const e = errorFromResponse('token', { status: 401, contentType: 'application/json', text: '{"error":"invalid_client"}', requestId: 'rid-1' }, { secrets: [] })
  t.equal(e.kind, 'auth')
  t.equal(e.httpStatus, 502)
  t.equal(e.code, 'invalid_client')
  t.match(e.message, 'OAuth token request failed: HTTP 401 (invalid_client)')
  t.match(e.message, AUTH_HINT)
  t.match(e.message, 'Zuora-Request-Id rid-1')
  const z = errorFromResponse('users', { status: 503, contentType: 'text/plain', text: 'down', requestId: undefined }, { secrets: [], attempts: 5, what: 'SCIM Users page 3' })
  t.equal(z.message, 'SCIM Users page 3 failed: HTTP 503: down (after 5 attempts)')
  t.equal(z.upstreamStatus, 503)
})

t.test('withMessage: another message, every other field kept', async t => {
  const e = new ZuoraError('old', { kind: 'auth', endpoint: 'token', upstreamStatus: 401, code: 'invalid_client', requestId: 'r', processId: 'p', retryAfterMs: 5 })
  const w = e.withMessage('new. Hint: x')
  t.ok(w instanceof ZuoraError)
  t.equal(w.message, 'new. Hint: x')
  t.same({ ...w.toJSON(), message: 'old' }, e.toJSON())
  t.equal(w.retryAfterMs, 5)
})
