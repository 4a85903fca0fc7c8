/**
 * The flat view of the lists (`?view=flat`), for config-driven connectors such as C1's baton-http: per item only
 * top-level scalars that are always present (a missing value is "" or 0, never absent or null), so every CEL
 * expression in a baton-http config is a plain field access that cannot fail. Pure functions of the protojson
 * objects the snapshot already holds, so both views always say the same thing.
 */
import { Type } from '@sinclair/typebox'
import type { Static } from '@sinclair/typebox'
import { ANNOTATION_PREFIX } from './model.ts'
import type { Grant, Resource } from './model.ts'

export const LIST_VIEWS = ['protojson', 'flat'] as const
export type ListView = typeof LIST_VIEWS[number]

const Status = Type.String({ enum: ['enabled', 'disabled'], description: 'C1 user status: enabled, or disabled (every other state)' })

export const FlatUserSchema = Type.Object({
  id: Type.String({ description: 'Immutable Zuora user id (the C1 resource id)' }),
  displayName: Type.String(),
  email: Type.String({ description: 'Primary email (else the first valid one); "" when the user has none' }),
  login: Type.String({ description: 'Zuora userName; "" when none' }),
  status: Status,
  zuoraStatus: Type.String({ description: 'Raw Zuora status (ACTIVE, INACTIVE, PENDING_ACTIVATION, …); "" when Zuora sent none' }),
  statusDetails: Type.String({ description: 'Why that C1 status, with the raw value' }),
  createdAt: Type.String({ description: 'Creation in Zuora (RFC 3339); "" when unknown or not a real date' })
}, { additionalProperties: false, description: 'A user in the flat view' })

export const FlatRoleSchema = Type.Object({
  id: Type.String({ description: 'The role value, e.g. ADMIN (the C1 resource id)' }),
  displayName: Type.String(),
  description: Type.String(),
  memberCount: Type.Integer({ minimum: 0 })
}, { additionalProperties: false, description: 'A role in the flat view' })

export const FlatGroupSchema = Type.Object({
  id: Type.String({ description: 'Immutable Zuora group id (the C1 resource id)' }),
  displayName: Type.String(),
  description: Type.String(),
  status: Status,
  memberCount: Type.Integer({ minimum: 0 })
}, { additionalProperties: false, description: 'A group in the flat view' })

export const FlatGrantSchema = Type.Object({
  id: Type.String({ description: '<entitlementId>:<principalType>:<principalId>' }),
  entitlementId: Type.String({ description: '<resourceType>:<resourceId>:<slug>' }),
  resourceType: Type.String({ description: 'role or group' }),
  resourceId: Type.String(),
  principalType: Type.String({ description: 'Always user' }),
  principalId: Type.String({ description: 'The user id' })
}, { additionalProperties: false, description: 'A grant in the flat view' })

const str = (v: unknown): string => typeof v === 'string' ? v : ''
const count = (v: unknown): number => typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0
const profileField = (r: Resource, key: string): unknown => (r.profile as Record<string, unknown> | undefined)?.[key]
const flatStatus = (r: Resource): 'enabled' | 'disabled' => r.status?.status === 'RESOURCE_STATUS_ENABLED' ? 'enabled' : 'disabled'

export function flatUser (r: Resource): Static<typeof FlatUserSchema> {
  const t = r.annotations.find((a) => a['@type'] === `${ANNOTATION_PREFIX}UserTrait`)
  const emails = Array.isArray(t?.emails) ? t.emails as Array<{ address: string, isPrimary?: boolean }> : []
  const email = emails.find((e) => e.isPrimary === true) ?? emails[0]
  return {
    id: r.id.resource,
    displayName: r.displayName,
    email: str(email?.address),
    login: str(t?.login),
    status: flatStatus(r),
    zuoraStatus: str(profileField(r, 'rawStatus')),
    statusDetails: str(r.status?.details),
    createdAt: str(r.createdAt)
  }
}

export function flatRole (r: Resource): Static<typeof FlatRoleSchema> {
  return { id: r.id.resource, displayName: r.displayName, description: str(r.description), memberCount: count(profileField(r, 'memberCount')) }
}

export function flatGroup (r: Resource): Static<typeof FlatGroupSchema> {
  return {
    id: r.id.resource,
    displayName: r.displayName,
    description: str(r.description),
    status: flatStatus(r),
    memberCount: count(profileField(r, 'memberCount'))
  }
}

export function flatGrant (g: Grant): Static<typeof FlatGrantSchema> {
  return {
    id: g.id,
    entitlementId: g.entitlement.id,
    resourceType: g.entitlement.resource.id.resourceType,
    resourceId: g.entitlement.resource.id.resource,
    principalType: g.principal.id.resourceType,
    principalId: g.principal.id.resource
  }
}
