import t from 'tap'
import {
  ZUORA_REST_HOSTS, deriveScimBaseUrl, deriveTokenUrl,
  normaliseOverrideUrl, normaliseTenantBaseUrl
} from '#src/zuora/data-centers.ts'

const strict = { allowCustomHosts: false }
const custom = { allowCustomHosts: true }

t.test('exactly the 10 documented REST hosts, no look-alikes', async t => {
  t.equal(ZUORA_REST_HOSTS.length, 10)
  t.equal(new Set(ZUORA_REST_HOSTS).size, 10)
  for (const h of ZUORA_REST_HOSTS) {
    t.equal(normaliseTenantBaseUrl(`https://${h}`, strict), `https://${h}`)
  }
  for (const bad of ['https://rest.pt1.zuora.com', 'https://rest.sandbox.ap.zuora.com', 'https://one.zuora.com', 'https://na.zuora.com', 'http://rest.zuora.com']) {
    t.throws(() => normaliseTenantBaseUrl(bad, strict), /not a Zuora REST host|only https/, bad)
  }
})

t.test('tenant base: normalised forms', async t => {
  const cases: Array<[string, string]> = [
    ['https://rest.eu.zuora.com', 'https://rest.eu.zuora.com'],
    ['https://rest.eu.zuora.com/', 'https://rest.eu.zuora.com'],
    ['https://rest.eu.zuora.com/v1', 'https://rest.eu.zuora.com'],
    ['https://rest.eu.zuora.com/v1/', 'https://rest.eu.zuora.com'],
    ['  https://REST.EU.Zuora.com/V1  ', 'https://rest.eu.zuora.com'],
    ['https://rest.test.ap.zuora.com//', 'https://rest.test.ap.zuora.com']
  ]
  for (const [raw, want] of cases) t.equal(normaliseTenantBaseUrl(raw, strict), want, raw)
})

t.test('tenant base: refused forms (strict)', async t => {
  const cases: Array<[string, RegExp]> = [
    ['http://rest.eu.zuora.com', /only https/],
    ['https://user:pw@rest.eu.zuora.com', /credentials/],
    ['https://rest.eu.zuora.com:443', /port/],
    ['https://rest.eu.zuora.com:8443', /port/],
    ['https://rest.eu.zuora.com/v2', /path/],
    ['https://rest.eu.zuora.com/scim/v2', /path/],
    ['https://rest.eu.zuora.com?x=1', /query/],
    ['https://rest.eu.zuora.com#frag', /query string or fragment/],
    ['https://eu.zuora.com', /not a Zuora REST host/],
    ['https://one.zuora.com', /not a Zuora REST host/],
    ['https://rest.pt1.zuora.com', /not a Zuora REST host/],
    ['https://rest.eu.zuora.com.evil.example', /not a Zuora REST host/],
    ['https://rest.eu.zuora.com.', /not a Zuora REST host/],
    ['ftp://rest.eu.zuora.com', /only https/],
    ['rest.eu.zuora.com', /not a valid absolute URL/],
    ['', /not a valid absolute URL/]
  ]
  for (const [raw, re] of cases) t.throws(() => normaliseTenantBaseUrl(raw, strict), re, raw)
  t.throws(() => normaliseTenantBaseUrl('https://eu.zuora.com', strict), /https:\/\/rest\.na\.zuora\.com.*https:\/\/rest\.test\.ap\.zuora\.com/, 'lists the valid hosts')
  try {
    normaliseTenantBaseUrl('https://admin:hunter2@rest.eu.zuora.com', strict)
  } catch (err) {
    t.notMatch((err as Error).message, /hunter2/, 'never repeats a password')
  }
})

t.test('tenant base: custom hosts', async t => {
  t.equal(normaliseTenantBaseUrl('http://127.0.0.1:4010/', custom), 'http://127.0.0.1:4010')
  t.equal(normaliseTenantBaseUrl('http://localhost:4010/v1', custom), 'http://localhost:4010')
  t.equal(normaliseTenantBaseUrl('http://[::1]:4010', custom), 'http://[::1]:4010')
  t.equal(normaliseTenantBaseUrl('https://zuora-proxy.internal:8443/zuora/', custom), 'https://zuora-proxy.internal:8443/zuora')
  t.equal(normaliseTenantBaseUrl('https://rest.eu.zuora.com', custom), 'https://rest.eu.zuora.com')
  t.throws(() => normaliseTenantBaseUrl('http://simulator:8080', custom), /loopback/)
  t.throws(() => normaliseTenantBaseUrl('http://10.0.0.1', custom), /loopback/)
  t.throws(() => normaliseTenantBaseUrl('https://u:p@proxy.internal', custom), /credentials/)
  t.throws(() => normaliseTenantBaseUrl('https://proxy.internal/?a=b', custom), /query/)
})

t.test('override URLs (token, scim)', async t => {
  t.equal(normaliseOverrideUrl('https://one.zuora.com/oauth2/token', 'token', strict), 'https://one.zuora.com/oauth2/token')
  t.equal(normaliseOverrideUrl('https://one.zuora.com/scim/v2/', 'scim', strict), 'https://one.zuora.com/scim/v2')
  t.equal(normaliseOverrideUrl('https://rest.zuora.com/oauth/token', 'token', strict), 'https://rest.zuora.com/oauth/token')
  t.equal(normaliseOverrideUrl('http://127.0.0.1:9/oauth2/token', 'token', custom), 'http://127.0.0.1:9/oauth2/token')
  t.throws(() => normaliseOverrideUrl('https://one.zuora.com', 'scim', strict), /needs a path.*scim\/v2/)
  t.throws(() => normaliseOverrideUrl('http://one.zuora.com/scim/v2', 'scim', strict), /only https/)
  t.throws(() => normaliseOverrideUrl('https://one.zuora.com:444/scim/v2', 'scim', strict), /port/)
  t.throws(() => normaliseOverrideUrl('https://one.zuora.com.evil.example/scim/v2', 'scim', strict), /not a Zuora host.*one\.zuora\.com/)
  t.throws(() => normaliseOverrideUrl('https://x:y@one.zuora.com/scim/v2', 'scim', strict), /credentials/)
  t.throws(() => normaliseOverrideUrl('https://one.zuora.com/oauth2/token?client_secret=x', 'token', strict), /query/)
  t.throws(() => normaliseOverrideUrl('http://sim.internal/scim/v2', 'scim', custom), /loopback/)
})

t.test('derived URLs', async t => {
  t.equal(deriveTokenUrl('https://rest.eu.zuora.com'), 'https://rest.eu.zuora.com/oauth/token')
  t.equal(deriveScimBaseUrl('https://rest.eu.zuora.com'), 'https://rest.eu.zuora.com/scim/v2')
})
