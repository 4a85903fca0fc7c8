/**
 * Pure, deterministic mapping of the normalised Zuora directory onto C1's protojson shapes (c1-model.md §7):
 * the same input always gives byte-identical JSON. Users, roles (the id is the role value) and groups are Resources
 * with their trait and RawId; roles offer `assigned` and groups `member` ASSIGNMENT entitlements; grant ids are
 * baton-sdk's NewEntitlementID / NewGrantID. A nested group (RFC 7643 member of type Group) holds its parent's
 * `member` entitlement through a grant annotated GrantExpandable, so C1 expands it to the child's members
 * (transitively); it is never flattened into user grants (c1-model.md §1.8, §1.10).
 */
import type { DirectoryGroup, DirectoryUser } from '#src/directory/types.ts'
import { entitlementId, grantId } from './ids.ts'
import { ANNOTATION_PREFIX } from './model.ts'
import type { Annotation, Entitlement, Grant, Resource, ResourceIdRef, ResourceType } from './model.ts'

export const USER_TYPE = 'user'
export const ROLE_TYPE = 'role'
export const GROUP_TYPE = 'group'
const ROLE_SLUG = 'assigned'
const GROUP_SLUG = 'member'

function annotation (type: string, fields: Record<string, unknown> = {}): Annotation {
  return { '@type': `${ANNOTATION_PREFIX}${type}`, ...fields }
}

function deepFreeze<T> (value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

/** The resource types, in /sync order. */
export const RESOURCE_TYPES: readonly ResourceType[] = deepFreeze([
  { id: USER_TYPE, displayName: 'User', traits: ['TRAIT_USER'], annotations: [annotation('SkipEntitlementsAndGrants')], description: 'A Zuora OneID user (SCIM User)' },
  { id: ROLE_TYPE, displayName: 'Role', traits: ['TRAIT_ROLE'], description: 'A Zuora organization role (a value of the SCIM user roles[]); assignment = `assigned`' },
  { id: GROUP_TYPE, displayName: 'Group', traits: ['TRAIT_GROUP'], description: 'A Zuora OneID user group (SCIM Group); membership = `member`' }
])
const [USER_RT, , GROUP_RT] = RESOURCE_TYPES

/** The two OneID user types. */
const KNOWN_ROLES = new Map([['ADMIN', 'Organization Admin'], ['USER', 'Standard User']])

// Protobuf limits (bytes) that the SDK validates.
const MAX_DISPLAY_NAME = 1024
const MAX_DESCRIPTION = 2048
const MAX_STATUS_DETAILS = 1024

function rid (resourceType: string, resource: string): ResourceIdRef {
  return { resourceType, resource }
}

/** Clips `s` to at most `maxBytes` UTF-8 bytes, on a code point boundary (ids are never clipped). */
export function clipBytes (s: string, maxBytes: number): string {
  if (s.length * 3 <= maxBytes || Buffer.byteLength(s, 'utf8') <= maxBytes) return s
  // encodeInto stops before the first code point that does not fit; `read` counts the UTF-16 units it took.
  const { read } = new TextEncoder().encodeInto(s, new Uint8Array(maxBytes - 3))
  return `${s.slice(0, read)}…`
}

function nonBlank (s: string | undefined): string | undefined {
  return s !== undefined && s.trim() !== '' ? s : undefined
}

const ENABLED = { resource: 'RESOURCE_STATUS_ENABLED', trait: 'STATUS_ENABLED' } as const
const DISABLED = { resource: 'RESOURCE_STATUS_DISABLED', trait: 'STATUS_DISABLED' } as const

function statusWith (state: typeof ENABLED | typeof DISABLED, details: string) {
  return { ...state, details: clipBytes(details, MAX_STATUS_DETAILS) }
}

/**
 * Zuora status + SCIM `active` → explicit C1 status (never left to the SDK's "absent = enabled" default).
 * ACTIVE → ENABLED; INACTIVE or active:false → DISABLED; PENDING_ACTIVATION → DISABLED; an unknown status is
 * ENABLED unless active is false, with the raw value named in the details.
 */
export function userStatus (u: Pick<DirectoryUser, 'status' | 'active'>) {
  const raw = u.status
  const norm = typeof raw === 'string' ? raw.trim().toUpperCase() : undefined
  if (norm === 'PENDING_ACTIVATION') return statusWith(DISABLED, `${raw}: pending activation (invited, not yet activated)`)
  if (norm === 'INACTIVE') return statusWith(DISABLED, raw as string)
  if (u.active === false) {
    return statusWith(DISABLED, raw === undefined ? 'SCIM active is false (no Zuora status)' : `${raw} but SCIM active is false`)
  }
  if (norm === 'ACTIVE') return statusWith(ENABLED, raw as string)
  if (raw === undefined) {
    return statusWith(ENABLED, u.active === true ? 'SCIM active is true (no Zuora status)' : 'no Zuora status and no SCIM active flag')
  }
  return statusWith(ENABLED, `unknown Zuora status ${JSON.stringify(raw)} (SCIM active is ${u.active === true ? 'true' : 'not reported'})`)
}

/** Display name: displayName → name.formatted → userName → given + family → id. */
export function userDisplayName (u: DirectoryUser): string {
  const given = nonBlank(u.givenName)
  const family = nonBlank(u.familyName)
  const joined = [given, family].filter((x) => x !== undefined).join(' ')
  const name = nonBlank(u.displayName) ?? nonBlank(u.formattedName) ?? nonBlank(u.userName) ?? nonBlank(joined) ?? u.id
  return clipBytes(name, MAX_DISPLAY_NAME)
}

// Mirrors protoc-gen-validate's `email: true`: a bare address (no display name), local part ≤ 64 bytes,
// a host name of dot-separated labels (letters, digits, hyphens; ≤ 63 each, ≤ 253 in all).
const LOCAL_PART = /^[^\s@<>()[\]\\,;:"]+$/
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

export function isValidEmail (address: string): boolean {
  const at = address.lastIndexOf('@')
  if (at <= 0 || at === address.length - 1) return false
  const local = address.slice(0, at)
  const host = address.slice(at + 1).replace(/\.$/, '')
  if (Buffer.byteLength(local, 'utf8') > 64 || !LOCAL_PART.test(local)) return false
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false
  if (host.length > 253) return false
  return host.split('.').every((label) => HOST_LABEL.test(label))
}

/** UserTrait emails: valid only (the SDK validates them), de-duplicated case-insensitively, at most one primary. */
export function traitEmails (u: DirectoryUser): { emails: Array<{ address: string, isPrimary: boolean }>, invalid: string[] } {
  const emails: Array<{ address: string, isPrimary: boolean }> = []
  const invalid: string[] = []
  const seen = new Map<string, { address: string, isPrimary: boolean } | undefined>() // lower-cased → its valid entry
  let primaryTaken = false
  for (const e of u.emails) {
    const address = typeof e.value === 'string' ? e.value.trim() : ''
    if (address === '') continue
    const key = address.toLowerCase()
    if (seen.has(key)) {
      // A later duplicate flagged primary promotes the earlier entry when no primary is set yet.
      const prev = seen.get(key)
      if (e.primary && !primaryTaken && prev !== undefined) { prev.isPrimary = true; primaryTaken = true }
      continue
    }
    const email = isValidEmail(address) ? { address, isPrimary: e.primary && !primaryTaken } : undefined
    seen.set(key, email)
    if (email === undefined) { invalid.push(address); continue }
    emails.push(email)
    if (email.isPrimary) primaryTaken = true
  }
  return { emails, invalid }
}

// RFC 3339 date-time: date, 'T', time, optional fraction, 'Z' or a numeric offset.
const RFC3339 = /^(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d{1,9})?([Zz]|[+-](\d\d):(\d\d))$/

/**
 * protojson Timestamp: RFC 3339 in UTC, or undefined when `s` is not a real instant. Strict where Date.parse is
 * not: an impossible calendar date (2023-02-30, 24:00:00, a leap second, month 13) or any other format is left out,
 * as a Go client's protojson would reject it and with it the whole object (the raw value stays in the profile).
 */
export function timestamp (s: string | undefined): string | undefined {
  if (typeof s !== 'string') return undefined
  const m = RFC3339.exec(s)
  if (m === null) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  if (year < 1 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined
  // A day past the month's end rolls over (Date.UTC maps years 1-99 to 1901-1999: the same leap years).
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined
  if (m[9] !== undefined && (Number(m[9]) > 23 || Number(m[10]) > 59)) return undefined
  if (m[8] === 'Z') return s
  const ms = Date.parse(s.toUpperCase())
  if (Number.isNaN(ms)) return undefined
  const d = new Date(ms)
  const y = d.getUTCFullYear()
  return y < 1 || y > 9999 ? undefined : d.toISOString()
}

const ANY_SURROGATE = /[\uD800-\uDFFF]/
const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

/** `s` with every unpaired UTF-16 surrogate replaced by U+FFFD (a Go client rejects a string that is not UTF-8). */
export function wellFormed (s: string): string {
  return ANY_SURROGATE.test(s) ? s.replace(LONE_SURROGATES, '\uFFFD') : s
}

/** `wellFormed` on every string of a freshly built object, in place (shared frozen parts have no surrogates). */
function wellFormedDeep<T> (v: T): T {
  if (typeof v === 'string') return wellFormed(v) as T
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown> // an array too: its keys are the indexes
    for (const k of Object.keys(o)) {
      const x = wellFormedDeep(o[k])
      if (x !== o[k]) o[k] = x
    }
  }
  return v
}

function compact<T extends Record<string, unknown>> (o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k]
  return o
}

export function userResource (u: DirectoryUser): Resource {
  const status = userStatus(u)
  const createdAt = timestamp(u.created)
  const { emails, invalid } = traitEmails(u)
  const given = nonBlank(u.givenName)
  const family = nonBlank(u.familyName)
  const login = nonBlank(u.userName)
  const trait = compact({
    emails: emails.length > 0 ? emails : undefined,
    status: { status: status.trait, details: status.details },
    accountType: 'ACCOUNT_TYPE_HUMAN',
    login,
    structuredName: given !== undefined || family !== undefined ? compact({ givenName: given, familyName: family }) : undefined,
    ssoStatus: u.ssoEnabled !== undefined ? { ssoEnabled: u.ssoEnabled } : undefined,
    createdAt
  })
  const profile = compact({
    userName: u.userName,
    externalId: u.externalId,
    rawStatus: u.status,
    active: u.active,
    roles: [...u.roles],
    groups: [...u.groups],
    indirectGroups: u.indirectGroups !== undefined ? [...u.indirectGroups] : undefined,
    region: u.region,
    organizationId: u.organizationId,
    created: u.created,
    preferredLanguage: u.preferredLanguage,
    locale: u.locale,
    ssoEnabled: u.ssoEnabled,
    invalidEmails: invalid.length > 0 ? invalid : undefined
  })
  return wellFormedDeep(compact({
    id: rid(USER_TYPE, u.id),
    displayName: userDisplayName(u),
    annotations: [annotation('UserTrait', trait), annotation('RawId', { id: u.id })],
    profile,
    status: { status: status.resource, details: status.details },
    createdAt
  }) as Resource)
}

function entitlement (type: string, id: string, slug: string, displayName: string, description: string, grantableTo: ResourceType[]): Entitlement {
  return {
    id: entitlementId(type, id, slug),
    resource: { id: rid(type, id) },
    displayName: clipBytes(displayName, MAX_DISPLAY_NAME),
    description: clipBytes(description, MAX_DESCRIPTION),
    slug,
    purpose: 'PURPOSE_VALUE_ASSIGNMENT',
    grantableTo
  }
}

function grant (type: string, id: string, slug: string, principal: ResourceIdRef): Grant {
  const entId = entitlementId(type, id, slug)
  return {
    id: grantId(entId, principal.resourceType, principal.resource),
    entitlement: { id: entId, resource: { id: rid(type, id) } },
    principal: { id: principal }
  }
}

export function roleResource (roleId: string, memberCount: number): Resource {
  const known = KNOWN_ROLES.get(roleId)
  return {
    id: rid(ROLE_TYPE, roleId),
    displayName: clipBytes(roleId, MAX_DISPLAY_NAME),
    description: clipBytes(known !== undefined ? `Zuora organization role ${roleId} (${known})` : `Zuora organization role ${roleId}`, MAX_DESCRIPTION),
    annotations: [annotation('RoleTrait'), annotation('RawId', { id: roleId })],
    profile: { role: roleId, memberCount },
    status: { status: 'RESOURCE_STATUS_ENABLED' }
  }
}

export function roleEntitlement (roleId: string): Entitlement {
  return entitlement(ROLE_TYPE, roleId, ROLE_SLUG, `${roleId} Role Member`, `Has the ${roleId} role in Zuora`, [USER_RT])
}

export function roleGrant (roleId: string, userId: string): Grant {
  return grant(ROLE_TYPE, roleId, ROLE_SLUG, rid(USER_TYPE, userId))
}

export function groupResource (g: DirectoryGroup): Resource {
  const name = nonBlank(g.displayName) ?? g.id
  return wellFormedDeep<Resource>({
    id: rid(GROUP_TYPE, g.id),
    displayName: clipBytes(name, MAX_DISPLAY_NAME),
    description: clipBytes(nonBlank(g.description) ?? `Zuora user group ${name}`, MAX_DESCRIPTION),
    annotations: [annotation('GroupTrait'), annotation('RawId', { id: g.id })],
    profile: compact({
      organizationId: g.organizationId,
      active: g.active,
      memberCount: g.members.length,
      nestedGroups: g.nestedGroups !== undefined ? [...g.nestedGroups] : undefined
    }),
    status: g.active === false
      ? { status: 'RESOURCE_STATUS_DISABLED', details: 'active is false (deleted or deactivated in Zuora)' }
      : { status: 'RESOURCE_STATUS_ENABLED' }
  })
}

/** `nested`: the group has nested groups, so its entitlement is also grantable to groups. */
export function groupEntitlement (groupId: string, displayName: string, nested = false): Entitlement {
  const name = nonBlank(displayName) ?? groupId
  return wellFormedDeep(entitlement(GROUP_TYPE, groupId, GROUP_SLUG, `${name} Group Member`, `Member of the ${name} group in Zuora`,
    nested ? [USER_RT, GROUP_RT] : [USER_RT]))
}

export function groupGrant (groupId: string, userId: string): Grant {
  return grant(GROUP_TYPE, groupId, GROUP_SLUG, rid(USER_TYPE, userId))
}

/** The parent's `member` grant to a nested group, expanded by C1 to the nested group's members. */
export function nestedGroupGrant (groupId: string, nestedGroupId: string): Grant {
  const expandable = annotation('GrantExpandable', { entitlementIds: [entitlementId(GROUP_TYPE, nestedGroupId, GROUP_SLUG)], resourceTypeIds: [USER_TYPE] })
  return { ...grant(GROUP_TYPE, groupId, GROUP_SLUG, rid(GROUP_TYPE, nestedGroupId)), annotations: [expandable] }
}
