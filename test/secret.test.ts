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
