/**
 * Query and response schemas shared by the resource lists (/resource-types, /users, /roles, /groups and their
 * entitlements and grants). List pages mirror baton's List* RPCs: `{list, nextPageToken, syncId, snapshotAt}`,
 * where `nextPageToken: ""` means the walk is done (c1-model.md §7.3), never null.
 */
import { Type } from '@sinclair/typebox'
import type { Static, TSchema } from '@sinclair/typebox'
import { LIST_VIEWS } from '#src/c1/flat.ts'
import type { ListView } from '#src/c1/flat.ts'
import { EXAMPLE_PAGE_META } from './examples.ts'

export const DEFAULT_PAGE_SIZE = 100
export const MAX_PAGE_SIZE = 250
/** Longest page token accepted (ours are ~110 characters). */
export const MAX_PAGE_TOKEN_LENGTH = 512

/** Status filter values (C1's RESOURCE_STATUS_ENABLED / _DISABLED; pending activation counts as disabled). */
const USER_STATUS_FILTERS = ['enabled', 'disabled'] as const

const PageSize = Type.Integer({
  minimum: 1,
  maximum: MAX_PAGE_SIZE,
  default: DEFAULT_PAGE_SIZE,
  description: `Items per page, 1–${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}). May change from page to page of one walk.`,
  examples: [DEFAULT_PAGE_SIZE]
})

const PageToken = Type.String({
  minLength: 1,
  maxLength: MAX_PAGE_TOKEN_LENGTH,
  description: 'The nextPageToken of the previous page; omit it for the first page. Opaque and bound to the list, the filters ' +
    'and the snapshot of the first page: every page of a walk comes from one point in time. A token whose snapshot is ' +
    'no longer held answers 410; restart without it.'
})

const View = Type.Unsafe<ListView>(Type.String({
  enum: [...LIST_VIEWS],
  default: 'protojson',
  description: 'protojson (default): C1 c1.connector.v2 objects. flat: per item only always-present top-level scalars ' +
    '(missing values are "" or 0), for config-driven connectors such as baton-http. Same paging, page tokens (a walk may ' +
    'switch view), snapshot binding and ETags (which differ between the views). Example: flat'
}))

export const ListQuerySchema = Type.Object({
  pageSize: Type.Optional(PageSize),
  pageToken: Type.Optional(PageToken)
})

/** The lists that also have a flat view. */
export const ViewListQuerySchema = Type.Object({ ...ListQuerySchema.properties, view: Type.Optional(View) })

/**
 * `GET /users` adds filters; they are part of the walk (a token only continues the same filters). Their examples
 * live in the descriptions, never in `examples`: Swagger UI pre-fills a parameter's example, and "Try it out" on
 * GET /users would then answer a filtered (often empty) page.
 */
export const UsersQuerySchema = Type.Object({
  ...ViewListQuerySchema.properties,
  status: Type.Optional(Type.Unsafe<typeof USER_STATUS_FILTERS[number]>(Type.String({
    enum: [...USER_STATUS_FILTERS],
    description: 'Only users with this C1 status: enabled (Zuora ACTIVE) or disabled (INACTIVE, PENDING_ACTIVATION, active:false). Example: enabled'
  }))),
  role: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'Only users holding this role (exact role id). Example: ADMIN' })),
  q: Type.Optional(Type.String({
    minLength: 1,
    maxLength: 256,
    description: 'Only users whose userName, an email address or displayName contains this text (case-insensitive). Example: haddad'
  }))
})
export type UsersQuery = Static<typeof UsersQuerySchema>

/**
 * Path parameter `:id` of a user, role or group. The example is an id the demo's directory holds for that kind, so
 * Swagger UI's "Try it out" starts from a real resource.
 */
export function idParams (description: string, example: string) {
  return Type.Object({
    id: Type.String({ minLength: 1, maxLength: 1024, description, examples: [example] })
  })
}

const SyncIdField = Type.String({ description: 'The snapshot this page comes from (KSUID); the same on every page of a walk' })
const SnapshotAtField = Type.String({ format: 'date-time', description: 'When that snapshot was taken (RFC 3339, UTC)' })

/** A list page of `item` (usually `ref(ResourceSchema)` or another C1 component); `example`: one item. */
export function pageOf<T extends TSchema> (item: T, description: string, example: object) {
  return Type.Object({
    list: Type.Array(item),
    nextPageToken: Type.String({
      maxLength: MAX_PAGE_TOKEN_LENGTH,
      description: 'Pass as pageToken to get the next page; "" when this is the last page'
    }),
    syncId: SyncIdField,
    snapshotAt: SnapshotAtField
  }, { description, examples: [{ list: [example], nextPageToken: '', ...EXAMPLE_PAGE_META }] })
}

/**
 * The 200 answer of a list with two views: the protojson page (`proto`, what sendListPage serialises with) or the
 * flat page of `flatItem` (`flatExample`: one flat item).
 */
export function viewPagesOf<P extends TSchema, F extends TSchema> (proto: P, flatItem: F, description: string, flatExample: object) {
  const flat = pageOf(flatItem, `${description} (view=flat)`, flatExample)
  return { proto, schema: Type.Union([proto, flat], { description: `${description}: protojson by default, flat with view=flat` }) }
}

/** `{resource, syncId, snapshotAt}` of a single resource; `example`: the resource. */
export function singleOf<T extends TSchema> (item: T, description: string, example: object) {
  return Type.Object({
    resource: item,
    syncId: SyncIdField,
    snapshotAt: SnapshotAtField
  }, { description, examples: [{ resource: example, ...EXAMPLE_PAGE_META }] })
}

export const NotModifiedResponse = Type.Null({ description: 'Not modified: If-None-Match named the current ETag (no body)' })
