import t from 'tap'
import { MAX_ID_BYTES, entitlementId, grantId, quoteId, unsafeIdReason } from '#src/c1/ids.ts'

const USER = 'eb48a32d-2fe6-48d1-8a18-797919f3810a'

t.test('entitlement and grant ids are the SDK joins, byte for byte', async t => {
  t.equal(entitlementId('role', 'ADMIN', 'assigned'), 'role:ADMIN:assigned')
  t.equal(entitlementId('role', '2c93808457d787030157e031fc9b2a3c', 'assigned'), 'role:2c93808457d787030157e031fc9b2a3c:assigned')
  t.equal(entitlementId('group', '7f5c248e', 'member'), 'group:7f5c248e:member')
  t.equal(grantId('role:ADMIN:assigned', 'user', USER), `role:ADMIN:assigned:user:${USER}`)
  t.equal(grantId(entitlementId('group', 'g1', 'member'), 'user', 'u1'), 'group:g1:member:user:u1')
})

t.test('unsafeIdReason: safe ids', async t => {
  for (const id of [USER, 'ADMIN', 'USER', 'Billing Admin', 'rôle-ünïcode', '😀', 'a'.repeat(MAX_ID_BYTES), 'x.y_z-1']) {
    t.equal(unsafeIdReason(id), undefined, quoteId(id))
  }
})

t.test('unsafeIdReason: every unsafe class, with a reason', async t => {
  const cases: Array<[string, RegExp]> = [
    ['', /empty/],
    ['a'.repeat(MAX_ID_BYTES + 1), /1025 bytes long/],
    ['é'.repeat(513), /1026 bytes long/],
    ['role:x', /contains ':' at offset 4/],
    ['a/b', /contains '\/'/],
    ['a\\b', /contains '\\'/],
    ['a\u0000b', /control character U\+0000 at offset 1/],
    ['line\nbreak', /U\+000A/],
    ['del\u007f', /U\+007F/],
    ['c1\u0085', /U\+0085/],
    ['sep\u2028', /U\+2028/],
    ['lone\uD800', /unpaired UTF-16 surrogate/],
    ['\uDC00lone', /unpaired UTF-16 surrogate/],
    [' lead', /leading or trailing white space/],
    ['trail ', /leading or trailing white space/],
    ['trail\u00a0', /leading or trailing white space/]
  ]
  for (const [id, re] of cases) t.match(unsafeIdReason(id), re, quoteId(id))
  t.match(unsafeIdReason(42 as unknown as string), /not a string/)
})

t.test('quoteId', async t => {
  t.equal(quoteId('a"b'), '"a\\"b"')
  t.equal(quoteId('x'.repeat(100), 10), `"${'x'.repeat(10)}…"`)
})

t.test('quoteId is single-line and printable', async t => {
  t.equal(quoteId('a\u2028b\u0085c\u007f\n'), '"a\\u2028b\\u0085c\\u007f\\n"')
  t.equal(quoteId('lone\uD800'), '"lone\\ud800"')
})
