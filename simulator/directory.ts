/** The simulator's mutable directory: users and groups sorted by id, memberships kept on both sides. */
import type { GeneratedOrg, SimGroup, SimUser } from './org.ts'
import { createRng, type Rng } from './random.ts'

/** Which side of a membership to change; 'both' (default) keeps user.groups and group.members consistent. */
export type MembershipSide = 'both' | 'group' | 'user'

/** Where `key` sits (or belongs) in `items` sorted by `keyOf`. */
function sortedIndex<T> (items: readonly T[], key: string, keyOf: (item: T) => string): number {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (keyOf(items[mid]) < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** The record with this id in `items` (sorted by id), by binary search. */
function byId<T extends { id: string }> (items: readonly T[], id: string): T | undefined {
  const found = items[sortedIndex(items, id, x => x.id)]
  return found?.id === id ? found : undefined
}

function need<T extends { id: string }> (items: readonly T[], id: string, what: string): T {
  const found = byId(items, id)
  if (found === undefined) throw new Error(`simulator: no ${what} ${id}`)
  return found
}

/** Adds to (or removes from) a sorted list of ids. */
function insertId (ids: string[], id: string): void {
  const i = sortedIndex(ids, id, x => x)
  if (ids[i] !== id) ids.splice(i, 0, id)
}

function remove<T> (items: T[], item: T): void {
  const i = items.indexOf(item)
  if (i >= 0) items.splice(i, 1)
}

export class Directory {
  organizationId = ''
  #users: SimUser[] = []
  #groups: SimGroup[] = []
  #rng: Rng = createRng(0)
  /** The parents of every nested group, rebuilt after a change (standards flavour). */
  #parents: Map<string, string[]> | undefined
  #ancestors = new Map<string, readonly string[]>()

  constructor (org: GeneratedOrg) {
    this.replace(org)
  }

  /** Replaces the whole directory (e.g. reset with another seed). */
  replace (org: GeneratedOrg): void {
    this.organizationId = org.organizationId
    this.#users = org.users
    this.#groups = org.groups
    this.#rng = createRng(`${String(org.seed)}:mutations`)
    this.#changed()
  }

  /** Live, sorted views: read them, change them through the methods below. */
  users (): readonly SimUser[] { return this.#users }
  groups (): readonly SimGroup[] { return this.#groups }
  user (id: string): SimUser | undefined { return byId(this.#users, id) }
  group (id: string): SimGroup | undefined { return byId(this.#groups, id) }

  /** The groups `groupId` is nested in, directly or through other groups (sorted; cycles tolerated). */
  ancestorsOf (groupId: string): readonly string[] {
    const hit = this.#ancestors.get(groupId)
    if (hit !== undefined) return hit
    if (this.#parents === undefined) {
      this.#parents = new Map()
      for (const g of this.#groups) {
        for (const child of g.memberGroups ?? []) this.#parents.set(child, [...(this.#parents.get(child) ?? []), g.id])
      }
    }
    const seen = new Set<string>()
    const stack = [...(this.#parents.get(groupId) ?? [])]
    for (let p = stack.pop(); p !== undefined; p = stack.pop()) {
      if (seen.has(p) || p === groupId) continue
      seen.add(p)
      stack.push(...(this.#parents.get(p) ?? []))
    }
    const out = [...seen].sort()
    this.#ancestors.set(groupId, out)
    return out
  }

  #changed (): void {
    this.#parents = undefined
    this.#ancestors = new Map()
  }

  /** A new user; `groups` are the ids of the groups it joins (recorded on both sides). */
  addUser (input: Partial<Omit<SimUser, 'groups'>> & { groups?: string[] } = {}): SimUser {
    const id = input.id ?? this.#rng.uuid()
    if (this.user(id) !== undefined) throw new Error(`simulator: user ${id} exists`)
    const n = this.#users.length
    const status = input.status ?? 'ACTIVE'
    const userName = input.userName ?? `sim.user${n}.${id.slice(0, 8)}@sim.example.com`
    const user: SimUser = {
      id,
      userName,
      givenName: input.givenName ?? 'Sim',
      familyName: input.familyName ?? `User ${n}`,
      workEmail: input.workEmail ?? (userName.includes('@') ? userName : `${userName.replace(/[^a-z0-9.]/gi, '')}@sim.example.com`),
      status,
      active: input.active ?? status === 'ACTIVE',
      ssoEnabled: input.ssoEnabled ?? false,
      region: input.region ?? 'US',
      preferredLanguage: input.preferredLanguage ?? 'en',
      locale: input.locale ?? 'en-US',
      created: input.created ?? Date.UTC(2025, 6, 1),
      roles: input.roles ?? ['USER'],
      groups: [],
      externalId: input.externalId,
      displayName: input.displayName,
      homeEmail: input.homeEmail,
      organizationId: input.organizationId
    }
    this.#users.splice(sortedIndex(this.#users, id, u => u.id), 0, user)
    for (const gid of input.groups ?? []) this.addMember(gid, id)
    this.#changed()
    return user
  }

  /** Shallow patch; `id` and `groups` cannot be patched (use the membership methods). */
  updateUser (id: string, patch: Partial<Omit<SimUser, 'id' | 'groups'>>): SimUser {
    const { id: _id, groups: _groups, ...rest } = patch as Partial<SimUser>
    return this.#patch(need(this.#users, id, 'user'), rest)
  }

  /** Deactivates like Zuora's DELETE: active false, status INACTIVE. */
  disableUser (id: string): SimUser {
    return this.updateUser(id, { active: false, status: 'INACTIVE' })
  }

  /** Hard removal (the user disappears from lists and from every group). */
  removeUser (id: string): boolean {
    const u = this.user(id)
    if (u === undefined) return false
    remove(this.#users, u)
    for (const g of this.#groups) remove(g.members, id)
    this.#changed()
    return true
  }

  setRoles (id: string, roles: readonly string[]): SimUser {
    return this.updateUser(id, { roles: [...roles] })
  }

  addGroup (input: Partial<Omit<SimGroup, 'members'>> & { members?: string[] } = {}): SimGroup {
    const id = input.id ?? this.#rng.uuid()
    if (this.group(id) !== undefined) throw new Error(`simulator: group ${id} exists`)
    const group: SimGroup = {
      id,
      displayName: input.displayName ?? `Sim Group ${this.#groups.length}`,
      description: input.description ?? '',
      active: input.active ?? true,
      members: [],
      organizationId: input.organizationId
    }
    this.#groups.splice(sortedIndex(this.#groups, id, g => g.id), 0, group)
    for (const uid of input.members ?? []) this.addMember(id, uid)
    this.#changed()
    return group
  }

  updateGroup (id: string, patch: Partial<Omit<SimGroup, 'id' | 'members'>>): SimGroup {
    const { id: _id, members: _members, ...rest } = patch as Partial<SimGroup>
    return this.#patch(need(this.#groups, id, 'group'), rest)
  }

  /** Permanently removes the group (and its id from every user.groups and nested-group list). */
  removeGroup (id: string): boolean {
    const g = this.group(id)
    if (g === undefined) return false
    remove(this.#groups, g)
    for (const u of this.#users) if (u.groups.length > 0) remove(u.groups, id)
    for (const other of this.#groups) if (other.memberGroups !== undefined) remove(other.memberGroups, id)
    this.#changed()
    return true
  }

  /** Adds a membership; side 'group' or 'user' records it on one side only (to test disagreement). */
  addMember (groupId: string, userId: string, side: MembershipSide = 'both'): void {
    if (side !== 'user') insertId(need(this.#groups, groupId, 'group').members, userId)
    if (side !== 'group') insertId(need(this.#users, userId, 'user').groups, groupId)
    this.#changed()
  }

  removeMember (groupId: string, userId: string, side: MembershipSide = 'both'): void {
    if (side !== 'user') remove(need(this.#groups, groupId, 'group').members, userId)
    if (side !== 'group') remove(need(this.#users, userId, 'user').groups, groupId)
    this.#changed()
  }

  #patch<T> (record: T, rest: Partial<T>): T {
    Object.assign(record as object, rest)
    this.#changed()
    return record
  }
}
