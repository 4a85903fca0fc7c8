/**
 * Every object the mapping produces validates against its C1 schema — with TypeBox (Value.Check and the
 * TypeCompiler, refs registered) and with Ajv + ajv-formats (what Fastify validates and serialises with).
 */
import { FormatRegistry, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { Value } from '@sinclair/typebox/value'
import { Ajv } from 'ajv'
import formats from 'ajv-formats'
import fc from 'fast-check'
import t from 'tap'
import {
  RESOURCE_TYPES, groupEntitlement, groupGrant, groupResource, roleEntitlement, roleGrant, roleResource, userResource
} from '#src/c1/mapping.ts'
import {
  AnnotationSchema, C1_SCHEMAS, EntitlementSchema, GrantSchema, PURPOSES, RESOURCE_STATUSES, ResourceIdSchema, ResourceSchema,
  ResourceTypeSchema, TRAITS, ref
} from '#src/c1/model.ts'
import { normaliseGroup, normaliseUser } from '#src/zuora/normalise.ts'
import type { DirectoryGroup, DirectoryUser } from '#src/directory/types.ts'
import { generateOrg } from '#simulator/org.ts'
import { renderGroup, renderUser } from '#simulator/scim-shapes.ts'
import { checkGroup, checkUser } from '#src/zuora/scim-schemas.ts'

// RFC 3339 date-time, as ajv-formats checks it (TypeBox has no built-in formats)
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/i
if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', v => DATE_TIME.test(v) && !Number.isNaN(Date.parse(v)))

const refs: TSchema[] = [...C1_SCHEMAS]
const compiled = new Map<TSchema, ReturnType<typeof TypeCompiler.Compile>>(
  C1_SCHEMAS.map(s => [s, TypeCompiler.Compile(s, refs)])
)

const ajv = new Ajv({ allErrors: true, strict: true })
// ajv-formats is CommonJS with a `default` export: under NodeNext the default import is the module object
formats.default(ajv)
for (const s of C1_SCHEMAS) ajv.addSchema(s)

/** TypeBox (interpreted and compiled) and Ajv agree that `value` is a `schema`; names the first error. */
function valid (schema: TSchema, value: unknown): string | undefined {
  if (!Value.Check(schema, refs, value)) {
    const e = Value.Errors(schema, refs, value).First()
    return `Value.Check: ${e?.path} ${e?.message}`
  }
  if (!(compiled.get(schema)?.Check(value) ?? false)) return 'TypeCompiler: rejected'
  const validate = ajv.getSchema(schema.$id as string)
  if (validate === undefined) return `Ajv: no schema ${schema.$id}`
  if (!validate(value)) return `Ajv: ${ajv.errorsText(validate.errors)}`
  return undefined
}

t.test('the schemas compile and their own examples validate', async t => {
  t.same(C1_SCHEMAS.map(s => s.$id), ['Annotation', 'ResourceId', 'ResourceType', 'Resource', 'Entitlement', 'Grant'])
  for (const s of C1_SCHEMAS) {
    const examples = (s as { examples?: unknown[] }).examples ?? []
    t.ok(examples.length > 0, `${s.$id} has an example`)
    for (const ex of examples) t.equal(valid(s, ex), undefined, `${s.$id} example`)
  }
  t.same(JSON.parse(JSON.stringify(ref(ResourceIdSchema))), { $ref: 'ResourceId' }, 'ref() is a plain $ref')
  t.throws(() => ref({} as TSchema), /needs a schema with an \$id/)
})

t.test('every mapped object of a simulated org validates', async t => {
  const org = generateOrg({ users: 300, groups: 12, seed: 11, rolesPool: ['BILLING_ADMIN', 'Finance Viewer'] })
  const rctx = { organizationId: org.organizationId, locationBase: 'http://localhost:9900' }
  const where = { endpoint: 'users' as const, where: 'test' }
  const users: DirectoryUser[] = org.users.map(u => normaliseUser(checkUser(renderUser(u, rctx), where)))
  const groups: DirectoryGroup[] = org.groups.map(g => normaliseGroup(checkGroup(renderGroup(g, rctx), where)))
  const statuses = new Set<string>()
  let checked = 0
  const expect = (schema: TSchema, value: unknown, label: string): void => {
    checked++
    const problem = valid(schema, value)
    if (problem !== undefined) t.fail(`${label}: ${problem}`)
  }
  for (const u of users) {
    const r = userResource(u)
    statuses.add(r.status?.status ?? 'none')
    expect(ResourceSchema, r, `user ${u.id}`)
  }
  const roles = [...new Set(users.flatMap(u => u.roles))].sort()
  for (const role of roles) {
    const holders = users.filter(u => u.roles.includes(role))
    expect(ResourceSchema, roleResource(role, holders.length), `role ${role}`)
    expect(EntitlementSchema, roleEntitlement(role), `role entitlement ${role}`)
    for (const h of holders) expect(GrantSchema, roleGrant(role, h.id), `role grant ${role}/${h.id}`)
  }
  for (const g of groups) {
    expect(ResourceSchema, groupResource(g), `group ${g.id}`)
    expect(EntitlementSchema, groupEntitlement(g.id, g.displayName), `group entitlement ${g.id}`)
    for (const m of g.members) expect(GrantSchema, groupGrant(g.id, m), `group grant ${g.id}/${m}`)
  }
  for (const rt of RESOURCE_TYPES) expect(ResourceTypeSchema, rt, `resource type ${rt.id}`)
  t.ok(roles.includes('ADMIN') && roles.includes('USER') && roles.length > 2, `roles ${roles.join(', ')}`)
  t.same([...statuses].sort(), ['RESOURCE_STATUS_DISABLED', 'RESOURCE_STATUS_ENABLED'], 'both statuses exercised')
  t.ok(checked > 600, `${checked} objects validated`)
})

t.test('edge-case users and groups still validate', async t => {
  const edge: DirectoryUser[] = [
    { id: 'u-bare', userName: '', emails: [], roles: [], groups: [] },
    { id: 'u-long', userName: 'x'.repeat(5000), displayName: '名'.repeat(2000), emails: [{ value: 'not-an-email', primary: true }], roles: ['USER'], groups: [], created: 'not a date', status: 'WEIRD' },
    { id: 'u-pending', userName: 'p', emails: [{ value: 'p@example.com', primary: false }], active: false, status: 'PENDING_ACTIVATION', created: '2020-02-29T23:59:59+05:30', roles: [], groups: [] }
  ]
  for (const u of edge) t.equal(valid(ResourceSchema, userResource(u)), undefined, u.id)
  t.equal(valid(ResourceSchema, groupResource({ id: 'g', displayName: '', members: [], active: false })), undefined)
  t.equal(valid(ResourceSchema, roleResource('r'.repeat(1024), 0)), undefined, 'longest role id')
  t.equal(valid(EntitlementSchema, roleEntitlement('r'.repeat(1000))), undefined)
})

t.test('property: any directory user maps to a valid Resource', async t => {
  const text = fc.string({ maxLength: 40, unit: 'grapheme' })
  const userArb = fc.record({
    id: fc.uuid(),
    userName: text,
    displayName: fc.option(text, { nil: undefined }),
    givenName: fc.option(text, { nil: undefined }),
    familyName: fc.option(text, { nil: undefined }),
    formattedName: fc.option(text, { nil: undefined }),
    emails: fc.array(fc.record({ value: fc.oneof(fc.emailAddress(), text), primary: fc.boolean() }), { maxLength: 4 }),
    active: fc.option(fc.boolean(), { nil: undefined }),
    status: fc.option(fc.constantFrom('ACTIVE', 'INACTIVE', 'PENDING_ACTIVATION', 'odd'), { nil: undefined }),
    ssoEnabled: fc.option(fc.boolean(), { nil: undefined }),
    created: fc.option(fc.oneof(fc.date({ noInvalidDate: true }).map(d => d.toISOString()), text), { nil: undefined }),
    roles: fc.uniqueArray(fc.constantFrom('ADMIN', 'USER', 'X'), { maxLength: 3 }),
    groups: fc.uniqueArray(fc.uuid(), { maxLength: 3 })
  })
  fc.assert(fc.property(userArb, raw => {
    const u = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as unknown as DirectoryUser
    const problem = valid(ResourceSchema, userResource(u))
    if (problem !== undefined) throw new Error(problem)
  }), { numRuns: 300, seed: 42 })
  t.pass('300 generated users validate')
})

t.test('the schemas reject what C1 would reject', async t => {
  const role = roleResource('ADMIN', 1)
  t.type(valid(ResourceSchema, { ...role, id: { resourceType: 'role', resource: '' } }), 'string', 'empty resource id')
  t.type(valid(ResourceSchema, { ...role, annotations: [{ type: 'x' }] }), 'string', 'annotation without @type')
  t.type(valid(ResourceSchema, { ...role, annotations: [{ '@type': 'c1.connector.v2.RoleTrait' }] }), 'string', '@type without the type URL prefix')
  t.type(valid(ResourceSchema, { ...role, createdAt: 'yesterday' }), 'string', 'createdAt not RFC 3339')
  t.type(valid(EntitlementSchema, { ...roleEntitlement('ADMIN'), id: 'x'.repeat(1025) }), 'string', 'id over 1024')
  t.type(valid(GrantSchema, { ...roleGrant('ADMIN', 'u'), principal: {} }), 'string', 'grant without principal id')
  const badEnum = { ...roleEntitlement('ADMIN'), purpose: 'PURPOSE_VALUE_FUN' }
  t.match(valid(EntitlementSchema, badEnum) ?? '', /^Ajv: .*allowed values/, 'enum values are enforced (by Ajv)')
  t.ok(PURPOSES.includes('PURPOSE_VALUE_ASSIGNMENT') && TRAITS.includes('TRAIT_ROLE') && RESOURCE_STATUSES.length === 4)
  t.equal(valid(AnnotationSchema, { '@type': 'type.googleapis.com/c1.connector.v2.RawId', id: 'x', extra: [1] }), undefined, 'annotations are open')
})
