import { inspect } from 'node:util'
import t from 'tap'
import { Secret } from '#src/secret.ts'

const VALUE = 'super-secret-value-123'

t.test('never prints its value', async t => {
  const s = new Secret(VALUE)
  t.equal(String(s), '[REDACTED]')
  t.equal(`${s}`, '[REDACTED]')
  t.equal(JSON.stringify({ s }), '{"s":"[REDACTED]"}')
  t.notMatch(inspect({ nested: { s } }, { depth: 5 }), VALUE)
  t.notMatch(inspect(s, { showHidden: true }), VALUE)
  t.same(Object.keys(s), [], 'no enumerable field carries the value')
  t.equal(s.reveal(), VALUE)
})

t.test('equals: exact, length-sensitive', async t => {
  const s = new Secret(VALUE)
  t.ok(s.equals(VALUE))
  t.notOk(s.equals(`${VALUE}x`))
  t.notOk(s.equals(VALUE.slice(0, -1)))
  t.notOk(s.equals(''))
  t.notOk(s.equals(VALUE.toUpperCase()))
  t.ok(new Secret('').equals(''))
  t.notOk(new Secret('').equals('a'))
  t.ok(new Secret('ünïcødé').equals('ünïcødé'))
  t.notOk(new Secret('ünïcødé').equals('unicode'))
})
