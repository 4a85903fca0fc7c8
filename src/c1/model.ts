/**
 * TypeBox schemas of the protojson of c1.connector.v2 that we emit (camelCase fields, enum names as strings,
 * RFC 3339 timestamps, annotations as `{"@type": "type.googleapis.com/c1.connector.v2.<Msg>", …}`), doubling as
 * the OpenAPI components ($id = component name). Composite schemas `Type.Ref` the others: register all of
 * `C1_SCHEMAS` (fastify.addSchema) before using them.
 */
import { Type } from '@sinclair/typebox'
import type { Static, TSchema, TUnsafe } from '@sinclair/typebox'

/** Reference to an $id'd schema, keeping its static type. */
export function ref<T extends TSchema> (schema: T): TUnsafe<Static<T>> {
  if (typeof schema.$id !== 'string') throw new TypeError('ref() needs a schema with an $id')
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id))
}

/** A string enum as `{type: 'string', enum: [...]}` (best for OpenAPI and fast-json-stringify), typed as the union. */
function StringEnum<const T extends readonly string[]> (values: T, options: { description?: string } = {}): TUnsafe<T[number]> {
  return Type.String({ enum: [...values], ...options }) as unknown as TUnsafe<T[number]>
}

export const ANNOTATION_PREFIX = 'type.googleapis.com/c1.connector.v2.'

export const TRAITS = [
  'TRAIT_UNSPECIFIED', 'TRAIT_USER', 'TRAIT_GROUP', 'TRAIT_ROLE', 'TRAIT_APP', 'TRAIT_SECRET',
  'TRAIT_SECURITY_INSIGHT', 'TRAIT_SCOPE_BINDING', 'TRAIT_VENDOR', 'TRAIT_VENDOR_AGREEMENT',
  'TRAIT_LICENSE_PROFILE', 'TRAIT_AGENT', 'TRAIT_MANAGED_DEVICE'
] as const

export const RESOURCE_STATUSES = [
  'RESOURCE_STATUS_UNSPECIFIED', 'RESOURCE_STATUS_ENABLED', 'RESOURCE_STATUS_DISABLED', 'RESOURCE_STATUS_DELETED'
] as const

export const PURPOSES = [
  'PURPOSE_VALUE_UNSPECIFIED', 'PURPOSE_VALUE_ASSIGNMENT', 'PURPOSE_VALUE_PERMISSION', 'PURPOSE_VALUE_OWNERSHIP'
] as const

const EX_USER_ID = 'eb48a32d-2fe6-48d1-8a18-797919f3810a'
const EX_GROUP_ID = '7f5c248e-44e8-48d3-bacc-b5bd1253c2e4'
const EX_ORG_ID = '5619df2e-fa8c-47fa-9c1e-16ab5af4936e'

const EX_USER_TYPE = {
  id: 'user', displayName: 'User', traits: ['TRAIT_USER'], annotations: [{ '@type': `${ANNOTATION_PREFIX}SkipEntitlementsAndGrants` }], description: 'A Zuora OneID user (SCIM User)'
}

/** '@type' plus the message's own fields (the schema is an open object typed as this, so literals may carry them). */
export interface Annotation { '@type': string, [field: string]: unknown }

export const AnnotationSchema = Type.Object({
  '@type': Type.String({
    description: 'Fully qualified type of the annotation message, e.g. type.googleapis.com/c1.connector.v2.UserTrait',
    pattern: '^type\\.googleapis\\.com/'
  })
}, {
  $id: 'Annotation',
  additionalProperties: true,
  description: 'A google.protobuf.Any in protojson form: the message type in "@type" plus the message fields.',
  examples: [{ '@type': `${ANNOTATION_PREFIX}RawId`, id: EX_USER_ID }]
}) as unknown as TUnsafe<Annotation> & { $id: 'Annotation' }

export const ResourceIdSchema = Type.Object({
  resourceType: Type.String({ minLength: 1, maxLength: 1024, description: 'Resource type id: user, role or group' }),
  resource: Type.String({ minLength: 1, maxLength: 1024, description: 'Immutable native (Zuora) id' })
}, {
  $id: 'ResourceId',
  description: 'c1.connector.v2.ResourceId: the resource type and the immutable native id.',
  examples: [{ resourceType: 'user', resource: EX_USER_ID }]
})
export type ResourceIdRef = Static<typeof ResourceIdSchema>

export const ResourceTypeSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 1024 }),
  displayName: Type.String({ maxLength: 1024 }),
  traits: Type.Array(StringEnum(TRAITS), { uniqueItems: true }),
  annotations: Type.Optional(Type.Array(ref(AnnotationSchema))),
  description: Type.Optional(Type.String({ maxLength: 4096 }))
}, {
  $id: 'ResourceType',
  description: 'c1.connector.v2.ResourceType: a kind of resource and its traits.',
  examples: [EX_USER_TYPE]
})
export type ResourceType = Static<typeof ResourceTypeSchema>

const ResourceStatus = Type.Object({
  status: StringEnum(RESOURCE_STATUSES),
  details: Type.Optional(Type.String({ maxLength: 1024, description: 'Why, with the raw Zuora value' }))
}, { description: 'c1.connector.v2.Resource.Status' })

export const ResourceSchema = Type.Object({
  id: ref(ResourceIdSchema),
  displayName: Type.String({ maxLength: 1024 }),
  description: Type.Optional(Type.String({ maxLength: 2048 })),
  annotations: Type.Array(ref(AnnotationSchema), { description: 'Traits (UserTrait, RoleTrait, GroupTrait) and RawId' }),
  profile: Type.Optional(Type.Object({}, { additionalProperties: true, description: 'Free-form google.protobuf.Struct' })),
  status: Type.Optional(ResourceStatus),
  createdAt: Type.Optional(Type.String({ format: 'date-time', description: 'Creation in Zuora (RFC 3339)' }))
}, {
  $id: 'Resource',
  description: 'c1.connector.v2.Resource: a user, role or group, with its trait annotation.',
  examples: [{
    id: { resourceType: 'user', resource: EX_USER_ID },
    displayName: 'Amy Lawrence',
    annotations: [
      {
        '@type': `${ANNOTATION_PREFIX}UserTrait`,
        emails: [{ address: 'amy@example.com', isPrimary: true }],
        status: { status: 'STATUS_ENABLED', details: 'ACTIVE' },
        accountType: 'ACCOUNT_TYPE_HUMAN',
        login: 'amy@example.com',
        structuredName: { givenName: 'Amy', familyName: 'Lawrence' },
        ssoStatus: { ssoEnabled: false },
        createdAt: '2023-07-13T06:15:25.836Z'
      },
      { '@type': `${ANNOTATION_PREFIX}RawId`, id: EX_USER_ID }
    ],
    profile: {
      userName: 'amy@example.com',
      externalId: 'amy@example.com',
      rawStatus: 'ACTIVE',
      active: true,
      roles: ['USER'],
      groups: [EX_GROUP_ID],
      region: 'EU',
      organizationId: EX_ORG_ID,
      created: '2023-07-13T06:15:25.836Z',
      preferredLanguage: 'en',
      locale: 'en-US',
      ssoEnabled: false
    },
    status: { status: 'RESOURCE_STATUS_ENABLED', details: 'ACTIVE' },
    createdAt: '2023-07-13T06:15:25.836Z'
  }]
})
export type Resource = Static<typeof ResourceSchema>

const ResourceStub = Type.Object({ id: ref(ResourceIdSchema) }, { description: 'A Resource carrying only its id' })

export const EntitlementSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 1024, description: '<resourceType>:<resourceId>:<slug>, as baton-sdk NewEntitlementID' }),
  resource: ResourceStub,
  displayName: Type.String({ maxLength: 1024 }),
  description: Type.Optional(Type.String({ maxLength: 2048 })),
  slug: Type.String(),
  purpose: StringEnum(PURPOSES),
  grantableTo: Type.Array(ref(ResourceTypeSchema)),
  annotations: Type.Optional(Type.Array(ref(AnnotationSchema)))
}, {
  $id: 'Entitlement',
  description: 'c1.connector.v2.Entitlement: what a role (assigned) or group (member) offers.',
  examples: [{
    id: 'role:ADMIN:assigned',
    resource: { id: { resourceType: 'role', resource: 'ADMIN' } },
    displayName: 'ADMIN Role Member',
    description: 'Has the ADMIN role in Zuora',
    slug: 'assigned',
    purpose: 'PURPOSE_VALUE_ASSIGNMENT',
    grantableTo: [EX_USER_TYPE]
  }]
})
export type Entitlement = Static<typeof EntitlementSchema>

export const GrantSchema = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 1024, description: '<entitlementId>:<principalType>:<principalId>, as baton-sdk NewGrantID' }),
  entitlement: Type.Object({
    id: Type.String({ minLength: 1, maxLength: 1024 }),
    resource: ResourceStub
  }, { description: 'Entitlement stub: id and the resource offering it' }),
  principal: ResourceStub,
  annotations: Type.Optional(Type.Array(ref(AnnotationSchema)))
}, {
  $id: 'Grant',
  description: 'c1.connector.v2.Grant: a principal (a user, or a nested group with a GrantExpandable annotation) holding an entitlement.',
  examples: [{
    id: `role:ADMIN:assigned:user:${EX_USER_ID}`,
    entitlement: { id: 'role:ADMIN:assigned', resource: { id: { resourceType: 'role', resource: 'ADMIN' } } },
    principal: { id: { resourceType: 'user', resource: EX_USER_ID } }
  }]
})
export type Grant = Static<typeof GrantSchema>

/** Every $id'd schema, dependencies first (for fastify.addSchema / Ajv). */
export const C1_SCHEMAS = [
  AnnotationSchema, ResourceIdSchema, ResourceTypeSchema, ResourceSchema, EntitlementSchema, GrantSchema
] as const
