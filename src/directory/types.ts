/**
 * The normalised Zuora directory: what a sync keeps of Zuora's SCIM payloads.
 * Compact, sorted and deterministic, so that two reads of the same data are byte-identical.
 * C1 shapes (Resource, Entitlement, Grant) are derived from it by pure functions in src/c1/.
 */

/** Zuora's UserExtension status values (open-ended: an unknown value is kept verbatim). */
export type ZuoraUserStatus = 'ACTIVE' | 'INACTIVE' | 'PENDING_ACTIVATION' | (string & {})

export interface DirectoryEmail {
  readonly value: string
  readonly type?: string
  readonly primary: boolean
}

export interface DirectoryUser {
  /** Immutable Zuora SCIM id: the C1 resource id. */
  readonly id: string
  readonly userName: string
  readonly displayName?: string
  readonly externalId?: string
  readonly givenName?: string
  readonly familyName?: string
  readonly formattedName?: string
  readonly emails: readonly DirectoryEmail[]
  /** SCIM `active`; absent in the payload is kept as undefined (not guessed). */
  readonly active?: boolean
  /** UserExtension.status, verbatim. */
  readonly status?: ZuoraUserStatus
  readonly ssoEnabled?: boolean
  readonly region?: string
  readonly organizationId?: string
  readonly preferredLanguage?: string
  readonly locale?: string
  /** meta.created (ISO-8601). */
  readonly created?: string
  /** Distinct role values, sorted. */
  readonly roles: readonly string[]
  /** Distinct group ids of the user's direct (or untyped) `groups[]` entries, sorted. */
  readonly groups: readonly string[]
  /** Groups reached through nested groups (`groups[]` entries typed "indirect"), sorted; absent when none. */
  readonly indirectGroups?: readonly string[]
}

export interface DirectoryGroup {
  readonly id: string
  readonly displayName: string
  readonly description?: string
  readonly organizationId?: string
  /** GroupExtension.active (a deleted group comes back with active:false). */
  readonly active?: boolean
  /** Distinct member user ids from `members[]`, sorted (nested groups are not users). */
  readonly members: readonly string[]
  /** Nested group ids (members typed Group, or with a $ref to /Groups/), sorted; absent when none. */
  readonly nestedGroups?: readonly string[]
}

/** What the sync noticed while building the directory; reported in snapshot stats, never silently dropped. */
export interface DirectoryFindings {
  /** (groupId, userId) pairs seen on only one side (group.members vs user.groups). */
  readonly membershipOnlyInGroup: number
  readonly membershipOnlyInUser: number
  /**
   * Members whose user id is not in the users read, and nested groups not in the groups read (`userId` then
   * holds the group id): kept out of grants, no principal to point at.
   */
  readonly unknownMembers: readonly { readonly groupId: string, readonly userId: string }[]
  /** user.groups[] entries naming a group that is not in the groups read. */
  readonly unknownGroups: readonly { readonly userId: string, readonly groupId: string }[]
}

export interface Directory {
  /** Sorted by id. */
  readonly users: readonly DirectoryUser[]
  /** Sorted by id. */
  readonly groups: readonly DirectoryGroup[]
  /** Role catalog: distinct role values plus ADMIN and USER, sorted. */
  readonly roles: readonly string[]
}
