/** The documented examples are valid instances of the schemas they illustrate. */
import { FormatRegistry } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import t from 'tap'
import { C1_SCHEMAS, EntitlementSchema, GrantSchema, ResourceSchema } from '#src/c1/model.ts'
import { DEMO_IDS, EXAMPLES } from '#src/api/examples.ts'
import { DEMO_DEFAULTS } from '#src/demo.ts'
import { generateOrg } from '#simulator/index.ts'

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

t.test('the {id} examples exist in the demo directory (seed 1, default groups; any user count)', async t => {
  for (const users of [DEMO_DEFAULTS.users, 200, 1]) {
    const org = generateOrg({ users, groups: DEMO_DEFAULTS.groups, seed: 1 })
    t.ok(org.users.some(u => u.id === DEMO_IDS.user), `user with ${users} users`)
    t.ok(org.groups.some(g => g.id === DEMO_IDS.group), 'group')
    t.ok(org.users.some(u => u.roles.includes(DEMO_IDS.role)) || users < 50, 'someone holds the role')
  }
  t.equal(EXAMPLES.user.id.resource, DEMO_IDS.user)
  t.equal(EXAMPLES.group.id.resource, DEMO_IDS.group)
})
