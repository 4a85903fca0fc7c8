/** The documented examples are valid instances of the schemas they illustrate. */
import { FormatRegistry } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import t from 'tap'
import { C1_SCHEMAS, EntitlementSchema, GrantSchema, ResourceSchema } from '../../src/c1/model.ts'
import { EXAMPLES } from '../../src/http/examples.ts'

if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', v => !Number.isNaN(Date.parse(v)))
const refs = [...C1_SCHEMAS]
const cases: Array<[string, typeof ResourceSchema | typeof EntitlementSchema | typeof GrantSchema, unknown]> = [
  ['user', ResourceSchema, EXAMPLES.user],
  ['role', ResourceSchema, EXAMPLES.role],
  ['group', ResourceSchema, EXAMPLES.group],
  ['role entitlement', EntitlementSchema, EXAMPLES.roleEntitlement],
  ['group entitlement', EntitlementSchema, EXAMPLES.groupEntitlement],
  ['role grant', GrantSchema, EXAMPLES.roleGrant],
  ['group grant', GrantSchema, EXAMPLES.groupGrant]
]

t.test('every example validates against its component', async t => {
  for (const [name, schema, value] of cases) {
    const errors = [...Value.Errors(schema, refs, value)].map(e => `${e.path} ${e.message}`)
    t.same(errors, [], name)
  }
  t.equal(EXAMPLES.roleGrant.id, `role:ADMIN:assigned:user:${EXAMPLES.user.id.resource}`)
})
