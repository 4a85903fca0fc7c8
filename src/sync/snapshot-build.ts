/**
 * A complete directory read → the directory a snapshot is built from, plus what the sync noticed.
 * Pure. Group grants come from `group.members` (Zuora's membership of record); the user side (`user.groups[]`)
 * is cross-checked and every disagreement is counted in the findings, never dropped silently.
 */
import { compareIds, sortedDistinct } from '#src/zuora/normalise.ts'
import type { Directory, DirectoryFindings, DirectoryUser } from '#src/directory/types.ts'
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
  const groupIds = new Set(groups.map((g) => g.id))
  const userById = new Map<string, DirectoryUser>()
  const roleNames = new Set<string>(BUILT_IN_ROLES)
  const unknownGroups: Array<{ userId: string, groupId: string }> = []
  let userSide = 0
  for (let i = 0; i < users.length; i++) {
    const u = users[i]
    userById.set(u.id, u)
    for (const role of u.roles) roleNames.add(role)
    for (const groupId of u.groups) if (!groupIds.has(groupId)) unknownGroups.push({ userId: u.id, groupId })
    userSide += u.groups.length
    if (i % ITEMS_PER_STEP === 0) yield
  }
  // Each (group, user) pair counts once, checked from the group side against the user's own (distinct) groups:
  // one lookup per membership. Normalised members are sorted and distinct; anything else is deduplicated.
  const unknownMembers: Array<{ groupId: string, userId: string }> = []
  let fromGroups = 0
  let agreed = 0
  for (const g of groups) {
    const seen = g.members.every((id, i) => i === 0 || g.members[i - 1] < id) ? undefined : new Set<string>()
    for (const userId of g.members) {
      const u = userById.get(userId)
      if (u === undefined) unknownMembers.push({ groupId: g.id, userId })
      if (seen?.has(userId) === true) continue
      seen?.add(userId)
      fromGroups++
      if (u?.groups.includes(g.id) === true) agreed++
    }
    for (const nestedId of g.nestedGroups ?? []) {
      if (!groupIds.has(nestedId) || nestedId === g.id) unknownMembers.push({ groupId: g.id, userId: nestedId })
    }
    yield
  }
  return {
    directory: { users, groups, roles: sortedDistinct(roleNames) },
    findings: {
      membershipOnlyInGroup: fromGroups - agreed,
      membershipOnlyInUser: userSide - agreed,
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
