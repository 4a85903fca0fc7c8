/**
 * A complete directory read → the directory a snapshot is built from, plus what the sync noticed.
 * Pure. Group grants come from `group.members` (Zuora's membership of record); the user side (`user.groups[]`)
 * is cross-checked and every disagreement is counted in the findings, never dropped silently.
 */
import { compareIds, sortedDistinct } from '#src/zuora/normalise.ts'
import type { Directory, DirectoryFindings } from '#src/directory/types.ts'
import type { DirectoryRead } from '#src/zuora/types.ts'
import { BUILT_IN_ROLES } from './snapshot.ts'

export function buildDirectory (read: Pick<DirectoryRead, 'users' | 'groups'>): { directory: Directory, findings: DirectoryFindings } {
  const users = [...read.users].sort((a, b) => compareIds(a.id, b.id))
  const groups = [...read.groups].sort((a, b) => compareIds(a.id, b.id))
  const roles = sortedDistinct([...BUILT_IN_ROLES, ...users.flatMap((u) => u.roles)])

  const userIds = new Set(users.map((u) => u.id))
  const groupIds = new Set(groups.map((g) => g.id))
  const pair = (groupId: string, userId: string): string => `${groupId}\u0000${userId}`
  const fromGroups = new Set<string>()
  const unknownMembers: Array<{ groupId: string, userId: string }> = []
  for (const g of groups) {
    for (const userId of g.members) {
      fromGroups.add(pair(g.id, userId))
      if (!userIds.has(userId)) unknownMembers.push({ groupId: g.id, userId })
    }
    for (const nestedId of g.nestedGroups ?? []) {
      if (!groupIds.has(nestedId) || nestedId === g.id) unknownMembers.push({ groupId: g.id, userId: nestedId })
    }
  }
  let membershipOnlyInUser = 0
  let agreed = 0
  const unknownGroups: Array<{ userId: string, groupId: string }> = []
  for (const u of users) {
    for (const groupId of u.groups) {
      if (!groupIds.has(groupId)) unknownGroups.push({ userId: u.id, groupId })
      if (fromGroups.has(pair(groupId, u.id))) agreed++
      else membershipOnlyInUser++
    }
  }
  return {
    directory: { users, groups, roles },
    findings: {
      membershipOnlyInGroup: fromGroups.size - agreed,
      membershipOnlyInUser,
      unknownMembers,
      unknownGroups
    }
  }
}
