/**
 * Zuora SCIM User/Group (already type-checked) → the compact, deterministic DirectoryUser/DirectoryGroup.
 * Pure: sorted distinct roles/groups/members (code-unit order, locale-independent), primary email first,
 * raw status kept verbatim, absent attributes left out (never guessed), so equal inputs give equal JSON.
 */
import { GROUP_EXTENSION_URN, USER_EXTENSION_URN, type ScimGroup, type ScimUser } from './scim-schemas.ts'
import type { DirectoryEmail, DirectoryGroup, DirectoryUser } from './types.ts'

/** Code-unit comparison: stable across locales and Node versions. */
export function compareIds (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Distinct non-empty values, sorted by code unit. */
export function sortedDistinct (values: Iterable<string | null | undefined>): string[] {
  const set = new Set<string>()
  for (const v of values) if (typeof v === 'string' && v !== '') set.add(v)
  return [...set].sort(compareIds)
}

/** Emails without exact duplicates (value + type), primary ones first, otherwise in Zuora's order. */
export function normaliseEmails (emails: ScimUser['emails']): DirectoryEmail[] {
  const seen = new Set<string>()
  const out: DirectoryEmail[] = []
  for (const e of emails ?? []) {
    if (e.value === '') continue
    const key = `${e.type ?? ''}\u0000${e.value}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ value: e.value, ...(typeof e.type === 'string' && e.type !== '' ? { type: e.type } : {}), primary: e.primary === true })
  }
  // Array.prototype.sort is stable: non-primary emails keep their order.
  return out.sort((a, b) => Number(b.primary) - Number(a.primary))
}

function put<T extends object, K extends string, V> (target: T, key: K, value: V | null | undefined): void {
  if (value !== undefined && value !== null) (target as Record<string, unknown>)[key] = value
}

export function normaliseUser (user: ScimUser): DirectoryUser {
  const ext = user[USER_EXTENSION_URN] ?? undefined
  const out: Record<string, unknown> = { id: user.id, userName: user.userName }
  put(out, 'displayName', user.displayName)
  put(out, 'externalId', user.externalId)
  put(out, 'givenName', user.name?.givenName)
  put(out, 'familyName', user.name?.familyName)
  put(out, 'formattedName', user.name?.formatted)
  out.emails = normaliseEmails(user.emails)
  put(out, 'active', user.active)
  put(out, 'status', ext?.status)
  put(out, 'ssoEnabled', ext?.ssoEnabled)
  put(out, 'region', ext?.region)
  put(out, 'organizationId', ext?.organizationId)
  put(out, 'preferredLanguage', user.preferredLanguage)
  put(out, 'locale', user.locale)
  put(out, 'created', user.meta?.created)
  out.roles = sortedDistinct((user.roles ?? []).map(r => r.value))
  const entries = user.groups ?? []
  out.groups = sortedDistinct(entries.filter(g => !isIndirect(g)).map(g => g.value))
  const indirect = sortedDistinct(entries.filter(isIndirect).map(g => g.value))
  if (indirect.length > 0) out.indirectGroups = indirect
  return out as unknown as DirectoryUser
}

/** RFC 7643 §4.1.2: a user's groups[] entry typed "indirect" is a membership through a nested group. */
function isIndirect (entry: { type?: string | undefined }): boolean {
  return (entry.type ?? '').toLowerCase() === 'indirect'
}

/** RFC 7643 §4.2: a member typed "Group", or untyped with a $ref to a Groups resource, is a nested group. */
export function isGroupMember (member: { type?: string | undefined, $ref?: string | undefined }): boolean {
  const type = (member.type ?? '').toLowerCase()
  if (type !== '') return type === 'group'
  return /\/Groups\/[^/?#]+\/?(?:[?#].*)?$/.test(member.$ref ?? '')
}

/** Members are users; nested groups (RFC 7643 members of type Group, never users) are kept apart. */
export function normaliseGroup (group: ScimGroup): DirectoryGroup {
  const ext = group[GROUP_EXTENSION_URN] ?? undefined
  const displayName = typeof group.displayName === 'string' && group.displayName !== '' ? group.displayName : group.id
  const out: Record<string, unknown> = { id: group.id, displayName }
  put(out, 'description', ext?.description)
  put(out, 'organizationId', ext?.organizationId)
  put(out, 'active', ext?.active)
  const members = group.members ?? []
  out.members = sortedDistinct(members.filter(m => !isGroupMember(m)).map(m => m.value))
  const nested = sortedDistinct(members.filter(isGroupMember).map(m => m.value))
  if (nested.length > 0) out.nestedGroups = nested
  return out as unknown as DirectoryGroup
}
