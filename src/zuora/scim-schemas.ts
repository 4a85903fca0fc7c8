/**
 * What we accept from Zuora's SCIM API (zuora-api.md §3.3, §3.5, §3.7), as TypeBox schemas with compiled
 * checkers. Tolerant where Zuora deviates from RFC 7644 (`resources` or `Resources`, null envelope keys,
 * optional startIndex/itemsPerPage, null optional attributes, unknown attributes ignored), strict on types:
 * a wrong type is a 'payload' ZuoraError naming the resource id and the field path, never a crash or a drop.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { TypeCompiler } from '@sinclair/typebox/compiler'
import { requestIdSuffix, ZuoraError } from './errors.ts'
import type { UpstreamEndpoint } from './types.ts'

export const USER_EXTENSION_URN = 'urn:zuora:scim:schemas:1.0:UserExtension'
export const GROUP_EXTENSION_URN = 'urn:zuora:scim:schemas:1.0:GroupExtension'

// Zuora sends `null` for absent values (e.g. `"externalId": null`). Nulls are dropped before checking (dropNulls),
// so the schemas say Optional and a type error keeps its precise path.
const Opt = <T extends TSchema>(schema: T) => Type.Optional(schema)
const OptString = Opt(Type.String())
const OptBoolean = Opt(Type.Boolean())
const Schemas = Opt(Type.Array(Type.String()))

const MultiValue = Type.Object({
  value: Type.String(),
  display: OptString,
  type: OptString,
  primary: OptBoolean,
  /** RFC 7643 reference URI (e.g. …/Groups/<id> for a nested group member). */
  $ref: OptString
})

const Meta = Opt(Type.Object({
  resourceType: OptString,
  created: OptString,
  lastModified: OptString,
  location: OptString,
  version: OptString
}))

const ScimUserSchema = Type.Object({
  schemas: Schemas,
  id: Type.String({ minLength: 1 }),
  externalId: OptString,
  userName: Type.String(),
  name: Opt(Type.Object({ formatted: OptString, familyName: OptString, givenName: OptString })),
  displayName: OptString,
  preferredLanguage: OptString,
  locale: OptString,
  active: OptBoolean,
  emails: Opt(Type.Array(MultiValue)),
  groups: Opt(Type.Array(MultiValue)),
  roles: Opt(Type.Array(MultiValue)),
  meta: Meta,
  [USER_EXTENSION_URN]: Opt(Type.Object({ organizationId: OptString, status: OptString, ssoEnabled: OptBoolean, region: OptString }))
})
export type ScimUser = Static<typeof ScimUserSchema>

const ScimGroupSchema = Type.Object({
  schemas: Schemas,
  id: Type.String({ minLength: 1 }),
  displayName: OptString,
  members: Opt(Type.Array(MultiValue)),
  meta: Meta,
  [GROUP_EXTENSION_URN]: Opt(Type.Object({ description: OptString, organizationId: OptString, active: OptBoolean }))
})
export type ScimGroup = Static<typeof ScimGroupSchema>

/** The envelope only; resources are checked one by one so an error can name the resource. */
const ListCheck = TypeCompiler.Compile(Type.Object({
  schemas: Schemas,
  totalResults: Type.Integer({ minimum: 0 }),
  resources: Opt(Type.Array(Type.Unknown())),
  Resources: Opt(Type.Array(Type.Unknown())),
  startIndex: Opt(Type.Integer()),
  itemsPerPage: Opt(Type.Integer())
}))

export interface PageContext {
  readonly endpoint: UpstreamEndpoint
  /** e.g. "Users page 3 (startIndex 201)". */
  readonly where: string
  readonly requestId?: string | undefined
}

function payloadError (ctx: PageContext, message: string): ZuoraError {
  return new ZuoraError(`${message}${requestIdSuffix(ctx.requestId)}`, { kind: 'payload', endpoint: ctx.endpoint, requestId: ctx.requestId })
}

function firstError (checker: { Errors(v: unknown): { First(): { path: string, message: string } | undefined } }, value: unknown): string {
  const e = checker.Errors(value).First()
  if (e === undefined) return 'invalid value'
  return `${e.path === '' ? '(root)' : e.path}: ${e.message}`
}

function isObject (v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/**
 * A copy without null-valued keys, or the object itself when it has none (most: less garbage on a 100k-user read).
 * A `__proto__` key (an own property after JSON.parse) is dropped: it must not become the copy's prototype.
 */
function dropNulls (o: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(o).some(k => o[k] === null || k === '__proto__')) return o
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== null && k !== '__proto__'))
}

/**
 * A checker for one resource type: drops null-valued keys where Zuora's shapes put them (the resource, its
 * sub-objects, multi-value entries), then checks; a failure names the resource id and the first wrong field.
 */
function resourceChecker<T extends TSchema> (label: string, schema: T, objects: readonly string[], arrays: readonly string[]) {
  const checker = TypeCompiler.Compile(schema)
  return (raw: unknown, ctx: PageContext): Static<T> => {
    const value = isObject(raw) ? dropNulls(raw) : raw
    if (isObject(value)) {
      for (const k of objects) if (isObject(value[k])) value[k] = dropNulls(value[k])
      for (const k of arrays) {
        const a = value[k]
        if (Array.isArray(a)) value[k] = a.map(e => isObject(e) ? dropNulls(e) : e)
      }
    }
    if (checker.Check(value)) return value
    const id = (value as { id?: unknown } | null)?.id
    const named = typeof id === 'string' && id !== '' ? JSON.stringify(id.slice(0, 100)) : '(no id)'
    throw payloadError(ctx, `Malformed SCIM ${label} ${named} in ${ctx.where}: ${firstError(checker, value)}`)
  }
}

export const checkUser = resourceChecker('User', ScimUserSchema, ['name', 'meta', USER_EXTENSION_URN], ['emails', 'groups', 'roles'])
export const checkGroup = resourceChecker('Group', ScimGroupSchema, ['meta', GROUP_EXTENSION_URN], ['members'])

/** Checks a ListResponse envelope and returns its resources (`Resources ?? resources`, null → []). */
export function checkListResponse (raw: unknown, ctx: PageContext): { totalResults: number, resources: readonly unknown[] } {
  if (!isObject(raw)) throw payloadError(ctx, `Malformed SCIM ListResponse in ${ctx.where}: not a JSON object`)
  const value = dropNulls(raw)
  if (!ListCheck.Check(value)) throw payloadError(ctx, `Malformed SCIM ListResponse in ${ctx.where}: ${firstError(ListCheck, value)}`)
  return { totalResults: value.totalResults, resources: value.Resources ?? value.resources ?? [] }
}

/** JSON.parse with a payload error instead of a SyntaxError. */
export function parseJson (text: string, ctx: PageContext): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw payloadError(ctx, `${ctx.where}: the response is not valid JSON`)
  }
}
