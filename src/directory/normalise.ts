/**
 * Zuora SCIM User/Group (already type-checked) → the compact, deterministic DirectoryUser/DirectoryGroup.
 * Pure: sorted distinct roles/groups/members (code-unit order, locale-independent), primary email first,
 * raw status kept verbatim, absent attributes left out (never guessed), so equal inputs give equal JSON.
 */
import { GROUP_EXTENSION_URN, USER_EXTENSION_URN, type ScimGroup, type ScimUser } from '../zuora/scim-schemas.ts'
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
  out.groups = sortedDistinct((user.groups ?? []).map(g => g.value))
  return out as unknown as DirectoryUser
}

/** Member entries typed "Group" (nested groups, not used by Zuora) are not users and are left out. */
export function normaliseGroup (group: ScimGroup): DirectoryGroup {
  const ext = group[GROUP_EXTENSION_URN] ?? undefined
  const displayName = typeof group.displayName === 'string' && group.displayName !== '' ? group.displayName : group.id
  const out: Record<string, unknown> = { id: group.id, displayName }
  put(out, 'description', ext?.description)
  put(out, 'organizationId', ext?.organizationId)
  put(out, 'active', ext?.active)
  out.members = sortedDistinct((group.members ?? []).filter(m => (m.type ?? '').toLowerCase() !== 'group').map(m => m.value))
  return out as unknown as DirectoryGroup
}
