/**
 * The normalised Zuora directory: what a sync keeps of Zuora's SCIM payloads, compact, sorted and deterministic
 * (two reads of the same data are byte-identical). Users and groups are typed where they are normalised
 * (src/zuora/types.ts); the C1 shapes are derived from them by the pure functions of src/c1/.
 */
import type { DirectoryGroup, DirectoryUser } from '#src/zuora/types.ts'

export type { DirectoryGroup, DirectoryUser } from '#src/zuora/types.ts'

/** What the sync noticed while building the directory; reported in snapshot stats, never silently dropped. */
export interface DirectoryFindings {
  /** (groupId, userId) pairs seen on only one side (group.members vs user.groups). */
  readonly membershipOnlyInGroup: number
  readonly membershipOnlyInUser: number
  /** Members (or nested groups, then `userId` is the group id) not in the read: no principal, so no grant. */
  readonly unknownMembers: readonly { readonly groupId: string, readonly userId: string }[]
  /** user.groups[] entries naming a group that is not in the groups read. */
  readonly unknownGroups: readonly { readonly userId: string, readonly groupId: string }[]
}

export interface Directory {
  /** Users and groups sorted by id; roles: the distinct role values plus ADMIN and USER, sorted. */
  readonly users: readonly DirectoryUser[]
  readonly groups: readonly DirectoryGroup[]
  readonly roles: readonly string[]
}
