/**
 * What we accept from Zuora's SCIM API (zuora-api.md §3.3, §3.5, §3.7), as TypeBox schemas with compiled
 * checkers. Tolerant where Zuora deviates from RFC 7644 (`resources` or `Resources`, null envelope keys,
 * optional startIndex/itemsPerPage, null optional attributes, unknown attributes ignored), strict on types:
 * a wrong type is a 'payload' ZuoraError naming the resource id and the field path, never a crash or a drop.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { ZuoraError } from './errors.ts'
import type { UpstreamEndpoint } from './types.ts'

export const USER_EXTENSION_URN = 'urn:zuora:scim:schemas:1.0:UserExtension'
export const GROUP_EXTENSION_URN = 'urn:zuora:scim:schemas:1.0:GroupExtension'

// Zuora sends `null` for absent values (e.g. `"externalId": null`). Nulls are dropped before checking (see
// prepareUser/prepareGroup), so the schemas say Optional and a type error keeps its precise path.
const Nullable = <T extends TSchema>(schema: T) => Type.Optional(schema)
const OptString = Nullable(Type.String())
const OptBoolean = Nullable(Type.Boolean())

export const ScimMultiValueSchema = Type.Object({
  value: Type.String(),
  display: OptString,
  type: OptString,
  primary: OptBoolean,
  /** RFC 7643 reference URI (e.g. …/Groups/<id> for a nested group member). */
  $ref: OptString
})

export const ScimEmailSchema = ScimMultiValueSchema

export const ScimMetaSchema = Type.Object({
  resourceType: OptString,
  created: OptString,
  lastModified: OptString,
  location: OptString,
  version: OptString
})

export const ScimUserExtensionSchema = Type.Object({
  organizationId: OptString,
  status: OptString,
  ssoEnabled: OptBoolean,
  region: OptString
})

export const ScimUserSchema = Type.Object({
  schemas: Nullable(Type.Array(Type.String())),
  id: Type.String({ minLength: 1 }),
  externalId: OptString,
  userName: Type.String(),
  name: Nullable(Type.Object({
    formatted: OptString,
    familyName: OptString,
    givenName: OptString
  })),
  displayName: OptString,
  preferredLanguage: OptString,
  locale: OptString,
  active: OptBoolean,
  emails: Nullable(Type.Array(ScimEmailSchema)),
  groups: Nullable(Type.Array(ScimMultiValueSchema)),
  roles: Nullable(Type.Array(ScimMultiValueSchema)),
  meta: Nullable(ScimMetaSchema),
  [USER_EXTENSION_URN]: Nullable(ScimUserExtensionSchema)
})
export type ScimUser = Static<typeof ScimUserSchema>

export const ScimGroupExtensionSchema = Type.Object({
  description: OptString,
  organizationId: OptString,
  active: OptBoolean
})

export const ScimGroupSchema = Type.Object({
  schemas: Nullable(Type.Array(Type.String())),
  id: Type.String({ minLength: 1 }),
  displayName: OptString,
  members: Nullable(Type.Array(ScimMultiValueSchema)),
  meta: Nullable(ScimMetaSchema),
  [GROUP_EXTENSION_URN]: Nullable(ScimGroupExtensionSchema)
})
export type ScimGroup = Static<typeof ScimGroupSchema>

/** The envelope only; resources are checked one by one so an error can name the resource. */
export const ScimListResponseSchema = Type.Object({
  schemas: Nullable(Type.Array(Type.String())),
  totalResults: Type.Integer({ minimum: 0 }),
  resources: Nullable(Type.Array(Type.Unknown())),
  Resources: Nullable(Type.Array(Type.Unknown())),
  startIndex: Nullable(Type.Integer()),
  itemsPerPage: Nullable(Type.Integer())
})
export type ScimListResponse = Static<typeof ScimListResponseSchema>

const UserCheck = TypeCompiler.Compile(ScimUserSchema)
const GroupCheck = TypeCompiler.Compile(ScimGroupSchema)
const ListCheck = TypeCompiler.Compile(ScimListResponseSchema)

interface Checker { Check(v: unknown): boolean, Errors(v: unknown): { First(): { path: string, message: string } | undefined } }

function firstError (checker: Checker, value: unknown): string {
  const e = checker.Errors(value).First()
  if (e === undefined) return 'invalid value'
  return `${e.path === '' ? '(root)' : e.path}: ${e.message}`
}

function idOf (value: unknown): string | undefined {
  const id = (value as { id?: unknown } | null)?.id
  return typeof id === 'string' && id !== '' ? id.slice(0, 100) : undefined
}

function payloadError (endpoint: UpstreamEndpoint, message: string, requestId?: string): ZuoraError {
  return new ZuoraError(`${message}${requestId !== undefined ? ` [Zuora-Request-Id ${requestId}]` : ''}`, { kind: 'payload', endpoint, requestId })
}

export interface PageContext {
  readonly endpoint: UpstreamEndpoint
  /** e.g. "Users page 3 (startIndex 201)". */
  readonly where: string
  readonly requestId?: string
}

function isObject (v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/**
 * A copy without null-valued keys. A `__proto__` key (an own property after JSON.parse) is dropped: copied by
 * assignment it would become the copy's prototype and smuggle inherited attributes past the checks.
 */
function dropNulls (o: Record<string, unknown>): Record<string, unknown> {
  // Most objects have nothing to drop: keep them as parsed (no copy, less garbage on a 100k-user read).
  let clean = true
  for (const k of Object.keys(o)) if (o[k] === null || k === '__proto__') { clean = false; break }
  if (clean) return o
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) if (v !== null && k !== '__proto__') out[k] = v
  return out
}

/** Drops null-valued keys where Zuora's shapes put them: the resource, its sub-objects, multi-value entries. */
function prepare (value: unknown, objects: readonly string[], arrays: readonly string[]): unknown {
  if (!isObject(value)) return value
  const r = dropNulls(value)
  for (const k of objects) if (isObject(r[k])) r[k] = dropNulls(r[k])
  for (const k of arrays) {
    const a = r[k]
    if (Array.isArray(a)) r[k] = a.map(e => isObject(e) ? dropNulls(e) : e)
  }
  return r
}

export function prepareUser (value: unknown): unknown {
  return prepare(value, ['name', 'meta', USER_EXTENSION_URN], ['emails', 'groups', 'roles'])
}

export function prepareGroup (value: unknown): unknown {
  return prepare(value, ['meta', GROUP_EXTENSION_URN], ['members'])
}

export function checkUser (raw: unknown, ctx: PageContext): ScimUser {
  const value = prepareUser(raw)
  if (UserCheck.Check(value)) return value
  const id = idOf(value)
  throw payloadError(ctx.endpoint, `Malformed SCIM User ${id !== undefined ? JSON.stringify(id) : '(no id)'} in ${ctx.where}: ${firstError(UserCheck, value)}`, ctx.requestId)
}

export function checkGroup (raw: unknown, ctx: PageContext): ScimGroup {
  const value = prepareGroup(raw)
  if (GroupCheck.Check(value)) return value
  const id = idOf(value)
  throw payloadError(ctx.endpoint, `Malformed SCIM Group ${id !== undefined ? JSON.stringify(id) : '(no id)'} in ${ctx.where}: ${firstError(GroupCheck, value)}`, ctx.requestId)
}

export interface ListPage {
  readonly totalResults: number
  readonly resources: readonly unknown[]
  readonly startIndex?: number
  readonly itemsPerPage?: number
}

/** Checks a ListResponse envelope and returns its resources (`Resources ?? resources`, null → []). */
export function checkListResponse (raw: unknown, ctx: PageContext): ListPage {
  if (!isObject(raw)) {
    throw payloadError(ctx.endpoint, `Malformed SCIM ListResponse in ${ctx.where}: not a JSON object`, ctx.requestId)
  }
  const value = dropNulls(raw)
  if (!ListCheck.Check(value)) {
    throw payloadError(ctx.endpoint, `Malformed SCIM ListResponse in ${ctx.where}: ${firstError(ListCheck, value)}`, ctx.requestId)
  }
  const resources = value.Resources ?? value.resources ?? []
  return {
    totalResults: value.totalResults,
    resources,
    ...(typeof value.startIndex === 'number' ? { startIndex: value.startIndex } : {}),
    ...(typeof value.itemsPerPage === 'number' ? { itemsPerPage: value.itemsPerPage } : {})
  }
}
/** JSON.parse with a payload error instead of a SyntaxError. */
export function parseJson (text: string, ctx: PageContext): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw payloadError(ctx.endpoint, `${ctx.where}: the response is not valid JSON`, ctx.requestId)
  }
}
