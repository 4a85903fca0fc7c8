/** Zuora's exact SCIM JSON shapes (zuora-api.md §3.3, §3.5, §3.7, §3.11). Pure functions. */
import { STATUS_CODES } from 'node:http'
import type { SimGroup, SimUser } from './org.ts'

const USER_EXT = 'urn:zuora:scim:schemas:1.0:UserExtension'
const GROUP_EXT = 'urn:zuora:scim:schemas:1.0:GroupExtension'
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'

export interface RenderContext {
  organizationId: string
  /** meta.location prefix; Zuora's samples show an internal http://localhost:9900. */
  locationBase: string
  /** RFC 7643 typed memberships (standards flavour): the groups a group is nested in, transitively. */
  rfc?: { ancestorsOf: (groupId: string) => readonly string[] }
}

type Json = Record<string, unknown>

function ref (ctx: { locationBase: string }, path: string, id: string): string {
  return `${ctx.locationBase}/scim/v2/${path}/${id}`
}

/** RFC 7643 §4.1.2 user groups[]: direct memberships, then the groups reached through nesting as "indirect". */
function rfcUserGroups (u: SimUser, ctx: RenderContext, ancestorsOf: (groupId: string) => readonly string[]): Json[] {
  const direct = new Set(u.groups)
  const indirect = new Set<string>()
  for (const gid of u.groups) for (const a of ancestorsOf(gid)) if (!direct.has(a)) indirect.add(a)
  return [
    ...u.groups.map(value => ({ value, $ref: ref(ctx, 'Groups', value), display: '', type: 'direct' })),
    ...[...indirect].sort().map(value => ({ value, $ref: ref(ctx, 'Groups', value), type: 'indirect' }))
  ]
}

/** A user as listed. Absent optional fields are `undefined` keys, which JSON leaves out. */
export function renderUser (u: SimUser, ctx: RenderContext): Json {
  const formatted = `${u.givenName} ${u.familyName}`
  const emails: Json[] = [{ value: u.workEmail, display: u.workEmail, type: 'work', primary: true }]
  if (u.homeEmail !== undefined) emails.push({ value: u.homeEmail, display: u.homeEmail, type: 'home', primary: false })
  const groups = ctx.rfc !== undefined ? rfcUserGroups(u, ctx, ctx.rfc.ancestorsOf) : u.groups.map(value => ({ value, display: '' }))
  return {
    schemas: [USER_EXT, CORE_USER],
    id: u.id,
    externalId: u.externalId,
    meta: { created: new Date(u.created).toISOString(), resourceType: 'User', location: ref(ctx, 'Users', u.id) },
    userName: u.userName,
    name: { formatted, familyName: u.familyName, givenName: u.givenName },
    displayName: u.displayName ?? formatted,
    preferredLanguage: u.preferredLanguage,
    locale: u.locale,
    active: u.active,
    emails,
    groups: groups.length > 0 ? groups : undefined,
    roles: u.roles.map(value => ({ value, display: value })),
    [USER_EXT]: { schemas: [USER_EXT], organizationId: u.organizationId ?? ctx.organizationId, status: u.status, ssoEnabled: u.ssoEnabled, region: u.region }
  }
}

/** A group as listed: members are only `{value}`; a deactivated group has no `members`. */
export function renderGroup (g: SimGroup, ctx: RenderContext): Json {
  const rfc = ctx.rfc !== undefined
  const members = g.members.map(value => rfc ? { value, $ref: ref(ctx, 'Users', value), type: 'User' } : { value })
  // every other nested group is given by $ref alone (type is optional in RFC 7643)
  const nested = rfc ? (g.memberGroups ?? []).map((value, i) => ({ value, $ref: ref(ctx, 'Groups', value), type: i % 2 === 0 ? 'Group' : undefined })) : []
  return {
    schemas: [CORE_GROUP, GROUP_EXT],
    id: g.id,
    displayName: g.displayName,
    members: g.active || g.members.length > 0 ? [...members, ...nested] : undefined,
    [GROUP_EXT]: { schemas: [GROUP_EXT], description: g.description, organizationId: g.organizationId ?? ctx.organizationId, active: g.active },
    meta: { resourceType: 'Group', location: ref(ctx, 'Groups', g.id) }
  }
}

/** Zuora's ListResponse: null id/externalId/meta, lowercase `resources` (by default), paging fields last. */
export function listEnvelope (resources: unknown[], listKey: string, paging?: { startIndex: number, itemsPerPage: number }, totalResults = resources.length): Json {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    id: null,
    externalId: null,
    meta: null,
    totalResults,
    [listKey]: resources,
    ...paging
  }
}

export function scimError (status: number, detail: string, scimType?: string): Json {
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), scimType, detail }
}

/** Zuora-style failure body (codes are strings on SCIM, e.g. 90000011 = invalid credential). */
export function zuoraError (message: string, code: string): Json {
  return { success: false, reasons: [{ message, code }] }
}

export const statusText = (status: number): string => STATUS_CODES[status] ?? 'Error'

/** A gateway-style HTML page (what a load balancer in front of Zuora would answer). */
export function htmlErrorPage (status: number): string {
  const text = `${status} ${statusText(status)}`
  return `<html>\r\n<head><title>${text}</title></head>\r\n<body>\r\n<center><h1>${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`
}
