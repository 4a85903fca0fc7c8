/**
 * The normalised Zuora directory: what a sync keeps of Zuora's SCIM payloads.
 * Compact, sorted and deterministic, so that two reads of the same data are byte-identical.
 * C1 shapes (Resource, Entitlement, Grant) are derived from it by pure functions in src/c1/. Users and groups are
 * typed where they are normalised (src/zuora/types.ts).
 */
import type { DirectoryGroup, DirectoryUser } from '#src/zuora/types.ts'

export type { DirectoryEmail, DirectoryGroup, DirectoryUser, ZuoraUserStatus } from '#src/zuora/types.ts'

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
