/**
 * A complete directory read → the directory a snapshot is built from, plus what the sync noticed.
 * Pure. Group grants come from `group.members` (Zuora's membership of record); the user side (`user.groups[]`)
 * is cross-checked and every disagreement is counted in the findings, never dropped silently.
 */
import { compareIds, sortedDistinct } from '#src/zuora/normalise.ts'
import type { Directory, DirectoryFindings } from '#src/directory/types.ts'
import type { DirectoryRead } from '#src/zuora/types.ts'
import { BUILT_IN_ROLES } from './snapshot.ts'
import { ITEMS_PER_STEP, runAtOnce } from './turns.ts'
import type { Steps } from './turns.ts'

type Read = Pick<DirectoryRead, 'users' | 'groups'>
type Built = { directory: Directory, findings: DirectoryFindings }

export function buildDirectory (read: Read): Built {
  return runAtOnce(directorySteps(read))
}

/** buildDirectory as Steps (src/sync/turns.ts): the sync engine runs it in short turns. */
export function * directorySteps (read: Read): Steps<Built> {
  // the reader returns both lists sorted by id: checking is a loop that can pause, sorting is not
  const users = (yield * isSorted(read.users)) ? read.users : [...read.users].sort((a, b) => compareIds(a.id, b.id))
  const groups = (yield * isSorted(read.groups)) ? read.groups : [...read.groups].sort((a, b) => compareIds(a.id, b.id))
  const userIds = new Set<string>()
  const roleNames = new Set<string>(BUILT_IN_ROLES)
  for (const [i, u] of users.entries()) {
    userIds.add(u.id)
    for (const role of u.roles) roleNames.add(role)
    if (i % ITEMS_PER_STEP === 0) yield
  }
  const roles = sortedDistinct(roleNames)
  const groupIds = new Set(groups.map((g) => g.id))
  /** Per group id, its distinct members (the memberships of record). */
  const membersOf = new Map<string, Set<string>>()
  const unknownMembers: Array<{ groupId: string, userId: string }> = []
  let fromGroups = 0
  for (const g of groups) {
    const members = membersOf.get(g.id) ?? new Set<string>()
    const before = members.size
    for (const userId of g.members) {
      members.add(userId)
      if (!userIds.has(userId)) unknownMembers.push({ groupId: g.id, userId })
    }
    for (const nestedId of g.nestedGroups ?? []) {
      if (!groupIds.has(nestedId) || nestedId === g.id) unknownMembers.push({ groupId: g.id, userId: nestedId })
    }
    fromGroups += members.size - before
    membersOf.set(g.id, members)
    yield
  }
  let membershipOnlyInUser = 0
  let agreed = 0
  const unknownGroups: Array<{ userId: string, groupId: string }> = []
  for (const [i, u] of users.entries()) {
    for (const groupId of u.groups) {
      if (!groupIds.has(groupId)) unknownGroups.push({ userId: u.id, groupId })
      if (membersOf.get(groupId)?.has(u.id) === true) agreed++
      else membershipOnlyInUser++
    }
    if (i % ITEMS_PER_STEP === 0) yield
  }
  return {
    directory: { users, groups, roles },
    findings: {
      membershipOnlyInGroup: fromGroups - agreed,
      membershipOnlyInUser,
      unknownMembers,
      unknownGroups
    }
  }
}

function * isSorted (items: ReadonlyArray<{ readonly id: string }>): Steps<boolean> {
  for (let i = 1; i < items.length; i++) {
    if (compareIds(items[i - 1].id, items[i].id) > 0) return false
    if (i % ITEMS_PER_STEP === 0) yield
  }
  return true
}
