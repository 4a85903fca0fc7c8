/** Mutable directory (sorted by id), issued tokens and counters of one simulator. */
import { generateOrg, type GenerateOrgOptions, type GeneratedOrg, type SimGroup, type SimUser, type UserStatus } from './org.ts'
import { createRng, type Rng, type Seed } from './random.ts'

function insertSorted (ids: string[], id: string): void {
  let lo = 0
  let hi = ids.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (ids[mid] < id) lo = mid + 1
    else hi = mid
  }
  if (ids[lo] !== id) ids.splice(lo, 0, id)
}

function insertSortedById<T extends { id: string }> (items: T[], item: T): void {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (items[mid].id < item.id) lo = mid + 1
    else hi = mid
  }
  items.splice(lo, 0, item)
}

function removeValue (ids: string[], id: string): boolean {
  const i = ids.indexOf(id)
  if (i < 0) return false
  ids.splice(i, 1)
  return true
}

export interface NewUser extends Partial<Omit<SimUser, 'groups'>> {
  /** Group ids to join (membership is recorded on both sides). */
  groups?: string[]
}

export interface NewGroup extends Partial<Omit<SimGroup, 'members'>> {
  members?: string[]
}

/** Which side of a membership to change; 'both' (default) keeps user.groups and group.members consistent. */
export type MembershipSide = 'both' | 'group' | 'user'

export class Directory {
  organizationId: string
  users: SimUser[]
  groups: SimGroup[]
  readonly userById = new Map<string, SimUser>()
  readonly groupById = new Map<string, SimGroup>()
  /** Bumped on every change. */
  version = 0
  private rng: Rng

  constructor (org: GeneratedOrg) {
    this.organizationId = org.organizationId
    this.users = org.users
    this.groups = org.groups
    for (const u of this.users) this.userById.set(u.id, u)
    for (const g of this.groups) this.groupById.set(g.id, g)
    this.rng = createRng(`${String(org.seed)}:mutations`)
  }

  #ancestors: { version: number, map: Map<string, readonly string[]> } | undefined

  /** The groups `groupId` is nested in, directly or through other groups (sorted; cycles tolerated). */
  ancestorsOf (groupId: string): readonly string[] {
    if (this.#ancestors?.version !== this.version) this.#ancestors = { version: this.version, map: new Map() }
    const cache = this.#ancestors.map
    const hit = cache.get(groupId)
    if (hit !== undefined) return hit
    const parents = new Map<string, string[]>()
    for (const g of this.groups) {
      for (const child of g.memberGroups ?? []) {
        const list = parents.get(child)
        if (list === undefined) parents.set(child, [g.id])
        else list.push(g.id)
      }
    }
    const seen = new Set<string>()
    const stack = [...(parents.get(groupId) ?? [])]
    while (stack.length > 0) {
      const p = stack.pop() as string
      if (seen.has(p) || p === groupId) continue
      seen.add(p)
      stack.push(...(parents.get(p) ?? []))
    }
    const out = [...seen].sort()
    cache.set(groupId, out)
    return out
  }

  static generate (options: GenerateOrgOptions): Directory {
    return new Directory(generateOrg(options))
  }

  /** Replaces the whole directory (e.g. reset with another seed). */
  replace (org: GeneratedOrg): void {
    this.organizationId = org.organizationId
    this.users = org.users
    this.groups = org.groups
    this.userById.clear()
    this.groupById.clear()
    for (const u of this.users) this.userById.set(u.id, u)
    for (const g of this.groups) this.groupById.set(g.id, g)
    this.rng = createRng(`${String(org.seed)}:mutations`)
    this.version++
  }

  private requireUser (id: string): SimUser {
    const u = this.userById.get(id)
    if (u === undefined) throw new Error(`simulator: no user ${id}`)
    return u
  }

  private requireGroup (id: string): SimGroup {
    const g = this.groupById.get(id)
    if (g === undefined) throw new Error(`simulator: no group ${id}`)
    return g
  }

  addUser (input: NewUser = {}): SimUser {
    const id = input.id ?? this.rng.uuid()
    if (this.userById.has(id)) throw new Error(`simulator: user ${id} exists`)
    const n = this.users.length
    const status: UserStatus = input.status ?? 'ACTIVE'
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
      groups: []
    }
    for (const key of ['externalId', 'displayName', 'homeEmail', 'organizationId'] as const) {
      if (input[key] !== undefined) user[key] = input[key]
    }
    insertSortedById(this.users, user)
    this.userById.set(id, user)
    for (const gid of input.groups ?? []) this.addMember(gid, id)
    this.version++
    return user
  }

  /** Shallow patch; `id` and `groups` cannot be patched (use membership methods). */
  updateUser (id: string, patch: Partial<Omit<SimUser, 'id' | 'groups'>>): SimUser {
    const u = this.requireUser(id)
    const { id: _ignoredId, groups: _ignoredGroups, ...rest } = patch as Partial<SimUser>
    Object.assign(u, rest)
    this.version++
    return u
  }

  /** Deactivates like Zuora's DELETE: active false, status INACTIVE. */
  disableUser (id: string): SimUser {
    return this.updateUser(id, { active: false, status: 'INACTIVE' })
  }

  /** Hard removal (the user disappears from lists and from every group). */
  removeUser (id: string): boolean {
    const u = this.userById.get(id)
    if (u === undefined) return false
    this.userById.delete(id)
    const i = this.users.indexOf(u)
    if (i >= 0) this.users.splice(i, 1)
    for (const g of this.groups) removeValue(g.members, id)
    this.version++
    return true
  }

  setRoles (id: string, roles: readonly string[]): SimUser {
    return this.updateUser(id, { roles: [...roles] })
  }

  addGroup (input: NewGroup = {}): SimGroup {
    const id = input.id ?? this.rng.uuid()
    if (this.groupById.has(id)) throw new Error(`simulator: group ${id} exists`)
    const group: SimGroup = {
      id,
      displayName: input.displayName ?? `Sim Group ${this.groups.length}`,
      description: input.description ?? '',
      active: input.active ?? true,
      members: []
    }
    if (input.organizationId !== undefined) group.organizationId = input.organizationId
    insertSortedById(this.groups, group)
    this.groupById.set(id, group)
    for (const uid of input.members ?? []) this.addMember(id, uid)
    this.version++
    return group
  }

  updateGroup (id: string, patch: Partial<Omit<SimGroup, 'id' | 'members'>>): SimGroup {
    const g = this.requireGroup(id)
    const { id: _ignoredId, members: _ignoredMembers, ...rest } = patch as Partial<SimGroup>
    Object.assign(g, rest)
    this.version++
    return g
  }

  /** Permanently removes the group (and its id from every user.groups). */
  removeGroup (id: string): boolean {
    const g = this.groupById.get(id)
    if (g === undefined) return false
    this.groupById.delete(id)
    const i = this.groups.indexOf(g)
    if (i >= 0) this.groups.splice(i, 1)
    for (const uid of g.members) {
      const u = this.userById.get(uid)
      if (u !== undefined) removeValue(u.groups, id)
    }
    for (const u of this.users) if (u.groups.length > 0) removeValue(u.groups, id)
    for (const other of this.groups) if (other.memberGroups !== undefined) removeValue(other.memberGroups, id)
    this.version++
    return true
  }

  /** Adds a membership; side 'group' or 'user' records it on one side only (to test disagreement). */
  addMember (groupId: string, userId: string, side: MembershipSide = 'both'): void {
    if (side !== 'user') insertSorted(this.requireGroup(groupId).members, userId)
    if (side !== 'group') insertSorted(this.requireUser(userId).groups, groupId)
    this.version++
  }

  removeMember (groupId: string, userId: string, side: MembershipSide = 'both'): void {
    if (side !== 'user') removeValue(this.requireGroup(groupId).members, userId)
    if (side !== 'group') removeValue(this.requireUser(userId).groups, groupId)
    this.version++
  }
}

// ---------------------------------------------------------------- tokens

export interface IssuedToken {
  expiresAt: number
  style: 'rest' | 'oneid'
}

export class TokenStore {
  private readonly tokens = new Map<string, IssuedToken>()

  issue (token: string, ttlSeconds: number, style: IssuedToken['style'], now = Date.now()): void {
    // keep the map bounded: drop expired tokens now and then
    if (this.tokens.size > 10_000) {
      for (const [t, v] of this.tokens) if (v.expiresAt <= now) this.tokens.delete(t)
    }
    this.tokens.set(token, { expiresAt: now + ttlSeconds * 1000, style })
  }

  isValid (token: string, now = Date.now()): boolean {
    const t = this.tokens.get(token)
    return t !== undefined && t.expiresAt > now
  }

  revokeAll (): number {
    const n = this.tokens.size
    this.tokens.clear()
    return n
  }

  get size (): number {
    return this.tokens.size
  }
}

// ---------------------------------------------------------------- counters

export type RouteName = 'oauth.token' | 'oauth2.token' | 'users.list' | 'users.get' | 'groups.list' | 'groups.get' | 'discovery' | 'other'

export interface CountersSnapshot {
  /** route → status → count ('reset' for destroyed sockets). */
  readonly requests: Record<string, Record<string, number>>
  /** Total SCIM + token requests (control routes excluded). */
  readonly totalRequests: number
  readonly tokenRequests: number
  /** Tokens actually issued (200 answers of both token endpoints). */
  readonly tokensIssued: number
  readonly inFlight: number
  readonly maxConcurrent: number
  readonly requestsDuringRetryAfter: number
  readonly rateLimited: number
  readonly faultsInjected: number
  readonly faultsByKind: Record<string, number>
  readonly pagesServed: { readonly users: number, readonly groups: number }
  readonly unauthorized: number
}

export class Counters {
  requests: Record<string, Record<string, number>> = {}
  totalRequests = 0
  tokenRequests = 0
  tokensIssued = 0
  inFlight = 0
  maxConcurrent = 0
  requestsDuringRetryAfter = 0
  rateLimited = 0
  faultsInjected = 0
  faultsByKind: Record<string, number> = {}
  pagesServed = { users: 0, groups: 0 }
  unauthorized = 0

  begin (): void {
    this.totalRequests++
    this.inFlight++
    if (this.inFlight > this.maxConcurrent) this.maxConcurrent = this.inFlight
  }

  end (route: RouteName, status: number | 'reset'): void {
    this.inFlight = Math.max(0, this.inFlight - 1)
    const byStatus = this.requests[route] ?? (this.requests[route] = {})
    const key = String(status)
    byStatus[key] = (byStatus[key] ?? 0) + 1
  }

  fault (kind: string): void {
    this.faultsInjected++
    this.faultsByKind[kind] = (this.faultsByKind[kind] ?? 0) + 1
  }

  reset (): void {
    const inFlight = this.inFlight
    Object.assign(this, new Counters())
    this.inFlight = inFlight
    this.maxConcurrent = inFlight
  }

  snapshot (): CountersSnapshot {
    return structuredClone({
      requests: this.requests,
      totalRequests: this.totalRequests,
      tokenRequests: this.tokenRequests,
      tokensIssued: this.tokensIssued,
      inFlight: this.inFlight,
      maxConcurrent: this.maxConcurrent,
      requestsDuringRetryAfter: this.requestsDuringRetryAfter,
      rateLimited: this.rateLimited,
      faultsInjected: this.faultsInjected,
      faultsByKind: this.faultsByKind,
      pagesServed: this.pagesServed,
      unauthorized: this.unauthorized
    })
  }
}

export type { Seed }
