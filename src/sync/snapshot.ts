/**
 * An immutable, validated point-in-time view of the directory in C1's shape.
 *
 * A Snapshot keeps the compact normalised directory (what is persisted) plus indexes; C1 objects are mapped
 * lazily by the pure functions of src/c1/mapping.ts, so equal directories give byte-identical output.
 * `Snapshot.build` refuses anything that must not be served: unsafe or duplicate ids, unsorted data,
 * grants that point at no entitlement or no principal (C1 would reject the whole sync).
 */
import { unsafeIdReason, quoteId } from '#src/c1/ids.ts'
import {
  GROUP_TYPE, RESOURCE_TYPES, ROLE_TYPE, USER_TYPE,
  groupEntitlement, groupGrant, groupResource, nestedGroupGrant, roleEntitlement, roleGrant, roleResource, userResource, userStatus
} from '#src/c1/mapping.ts'
import type { Entitlement, Grant, Resource, ResourceType } from '#src/c1/model.ts'
import type { Directory, DirectoryFindings, DirectoryGroup } from '#src/directory/types.ts'
import { concatSeqs, seqFromArray, seqOf } from './seq.ts'
import type { Seq } from './seq.ts'
import { ITEMS_PER_STEP, runAtOnce } from './turns.ts'
import type { Steps } from './turns.ts'
import type { PersistedSnapshot, SnapshotMeta } from './types.ts'

export type SectionName = 'resourceTypes' | 'resources' | 'entitlements' | 'grants'
export type ResourceKind = typeof USER_TYPE | typeof ROLE_TYPE | typeof GROUP_TYPE
export type GrantingKind = typeof ROLE_TYPE | typeof GROUP_TYPE

/** A snapshot that must not be published; src/sync/sync-errors.ts matches on the name 'SnapshotError'. */
export class SnapshotError extends Error {
  override name = 'SnapshotError'
}

/** Roles every Zuora organization has (OneID user types), listed even when nobody holds them. */
export const BUILT_IN_ROLES = ['ADMIN', 'USER'] as const

export class Snapshot {
  readonly meta: SnapshotMeta
  readonly syncId: string
  readonly snapshotAt: string
  readonly directory: Directory
  readonly findings: DirectoryFindings
  readonly stats: ReturnType<typeof statsOf>
  /** Always zero: build() refuses a snapshot with dangling grants. */
  readonly integrity = { danglingGrantEntitlements: 0, danglingGrantPrincipals: 0 }
  readonly resourceTypes: readonly ResourceType[] = RESOURCE_TYPES
  readonly users: Seq<Resource>
  readonly roles: Seq<Resource>
  readonly groups: Seq<Resource>

  readonly #persisted: PersistedSnapshot
  readonly #index: Parts['index']
  /** Per role and per group (directory order), its grants in user-id order (a group's nested groups first). */
  readonly #grants: Record<GrantingKind, readonly Seq<Grant>[]>
  readonly #sections: Record<SectionName, Seq<object>>

  private constructor (persisted: PersistedSnapshot, parts: Parts) {
    this.#persisted = persisted
    this.meta = persisted.meta
    this.syncId = persisted.meta.syncId
    this.snapshotAt = persisted.meta.snapshotAt
    this.directory = persisted.directory
    this.findings = persisted.findings
    const { users, groups, roles } = persisted.directory
    const { roleMembers, groupMembers, groupNested } = parts
    this.#index = parts.index
    this.users = seqOf(users.length, (i) => userResource(users[i]))
    this.roles = seqOf(roles.length, (i) => roleResource(roles[i], roleMembers[i].length))
    this.groups = seqOf(groups.length, (i) => groupResource(groups[i]))
    this.#grants = {
      role: roles.map((role, r) => seqOf(roleMembers[r].length, (k) => roleGrant(role, users[roleMembers[r][k]].id))),
      // Nested groups first: principal type "group" sorts before "user".
      group: groups.map((g, i) => {
        const [nested, members] = [groupNested[i], groupMembers[i]]
        return seqOf(nested.length + members.length, (k) => k < nested.length ? nestedGroupGrant(g.id, nested[k]) : groupGrant(g.id, users[members[k - nested.length]].id))
      })
    }
    this.#sections = {
      resourceTypes: seqFromArray(RESOURCE_TYPES),
      resources: concatSeqs<Resource>([this.users, this.roles, this.groups]),
      entitlements: concatSeqs<Entitlement>([
        seqOf(roles.length, (i) => roleEntitlement(roles[i])),
        seqOf(groups.length, (i) => groupEntitlementOf(groups[i]))
      ]),
      grants: concatSeqs<Grant>([...this.#grants.role, ...this.#grants.group])
    }
    this.stats = statsOf(persisted, parts)
  }

  /** Validates `persisted` and builds the snapshot; throws SnapshotError when it must not be served. */
  static build (persisted: PersistedSnapshot): Snapshot {
    return runAtOnce(Snapshot.steps(persisted))
  }

  /** Snapshot.build as Steps (src/sync/turns.ts): the sync engine runs it in short turns. */
  static * steps (persisted: PersistedSnapshot): Steps<Snapshot> {
    yield * checkShape(persisted)
    return new Snapshot(persisted, yield * partsOf(persisted))
  }

  /** What the store keeps (the C1 shapes are derived from it). */
  toPersisted (): PersistedSnapshot {
    return this.#persisted
  }

  /** One section of the /sync document (c1-model §7.2), in its stable order. */
  section (name: SectionName): Seq<object> {
    return this.#sections[name]
  }

  resource (kind: ResourceKind, id: string): Resource | undefined {
    const i = this.#index[kind].get(id)
    if (i === undefined) return undefined
    return kind === USER_TYPE ? this.users.at(i) : kind === ROLE_TYPE ? this.roles.at(i) : this.groups.at(i)
  }

  /** The one entitlement of a role (`assigned`) or group (`member`); undefined for an unknown id. */
  entitlementsOf (kind: GrantingKind, id: string): Entitlement[] | undefined {
    const i = this.#index[kind].get(id)
    if (i === undefined) return undefined
    return kind === ROLE_TYPE ? [roleEntitlement(id)] : [groupEntitlementOf(this.directory.groups[i])]
  }

  /** Grants of a role or group, in user-id order; undefined for an unknown id. */
  grantsOf (kind: GrantingKind, id: string): Seq<Grant> | undefined {
    const i = this.#index[kind].get(id)
    return i === undefined ? undefined : this.#grants[kind][i]
  }
}

/**
 * What the constructor needs computed: id → position indexes; per role and per group the positions of its users
 * (in user-id order, unknown members left out); per group its nested groups that are in the directory.
 */
type Parts = ReturnType<typeof partsOf> extends Steps<infer P> ? P : never

function statsOf ({ directory: { users, roles, groups }, findings }: PersistedSnapshot, parts: Parts) {
  const enabled = parts.enabledUsers
  const count = (lists: readonly (readonly unknown[])[]): number => lists.reduce((n, m) => n + m.length, 0)
  const roleGrants = count(parts.roleMembers)
  const groupGrants = count(parts.groupMembers) + count(parts.groupNested)
  return {
    resourceTypes: RESOURCE_TYPES.length,
    resources: { user: users.length, role: roles.length, group: groups.length },
    entitlements: roles.length + groups.length,
    grants: roleGrants + groupGrants,
    grantsByType: { role: roleGrants, group: groupGrants },
    usersByStatus: { enabled, disabled: users.length - enabled },
    findings: {
      membershipOnlyInGroup: findings.membershipOnlyInGroup,
      membershipOnlyInUser: findings.membershipOnlyInUser,
      unknownMembers: findings.unknownMembers.length,
      unknownGroups: findings.unknownGroups.length
    }
  }
}

function * partsOf (persisted: PersistedSnapshot) {
  const { users, groups, roles } = persisted.directory
  const index = {
    user: yield * indexIds('user', users.map((u) => u.id)),
    role: yield * indexIds('role', roles),
    group: yield * indexIds('group', groups.map((g) => g.id))
  }
  for (const role of BUILT_IN_ROLES) {
    if (!index.role.has(role)) throw new SnapshotError(`the role catalog lacks the built-in role ${role}`)
  }

  let danglingEntitlements = 0
  let enabledUsers = 0
  const roleMembers: number[][] = roles.map(() => [])
  for (const [userIndex, u] of users.entries()) {
    for (const role of u.roles) {
      const r = index.role.get(role)
      if (r === undefined) danglingEntitlements++
      else roleMembers[r].push(userIndex)
    }
    if (userStatus(u).resource === 'RESOURCE_STATUS_ENABLED') enabledUsers++
    if (userIndex % ITEMS_PER_STEP === 0) yield
  }
  let danglingPrincipals = 0
  const knownUnknown = new Set(persisted.findings.unknownMembers.map((m) => `${m.groupId}\u0000${m.userId}`))
  const groupMembers: number[][] = []
  const groupNested: string[][] = []
  for (const g of groups) {
    const members: number[] = []
    for (const userId of g.members) {
      const u = index.user.get(userId)
      if (u !== undefined) members.push(u)
      else if (!knownUnknown.has(`${g.id}\u0000${userId}`)) danglingPrincipals++
    }
    const nested: string[] = []
    for (const id of g.nestedGroups ?? []) {
      if (id !== g.id && index.group.has(id)) nested.push(id)
      else if (!knownUnknown.has(`${g.id}\u0000${id}`)) danglingPrincipals++
    }
    groupMembers.push(members)
    groupNested.push(nested)
    yield
  }
  if (danglingEntitlements > 0 || danglingPrincipals > 0) {
    throw new SnapshotError(`referential integrity failed: ${danglingEntitlements} grant(s) point at no entitlement and ${danglingPrincipals} at no principal`)
  }
  return { index, roleMembers, groupMembers, groupNested, enabledUsers }
}

function groupEntitlementOf (g: DirectoryGroup): Entitlement {
  return groupEntitlement(g.id, g.displayName, (g.nestedGroups ?? []).length > 0)
}

/** id → position; ids must be safe for C1, unique and in code-unit order (what the directory promises). */
function * indexIds (kind: ResourceKind, ids: readonly string[]): Steps<Map<string, number>> {
  const index = new Map<string, number>()
  let previous: string | undefined
  for (const [i, id] of ids.entries()) {
    const reason = unsafeIdReason(id)
    if (reason !== undefined) throw new SnapshotError(`${kind} id ${quoteId(id)} ${reason}; it cannot be served to C1`)
    if (previous !== undefined && !(previous < id)) {
      throw new SnapshotError(previous === id ? `duplicate ${kind} id ${quoteId(id)}` : `${kind} ids are not sorted at ${quoteId(id)}`)
    }
    previous = id
    index.set(id, i)
    if (i % ITEMS_PER_STEP === 0) yield
  }
  return index
}

function * checkShape (p: PersistedSnapshot): Steps<void> {
  const fail = (what: string): never => { throw new SnapshotError(`not a snapshot: ${what}`) }
  if (p === null || typeof p !== 'object') fail('not an object')
  if (p.format !== 'zuora-c1-snapshot' || p.version !== 1) fail(`format ${String(p.format)} v${String(p.version)} is not zuora-c1-snapshot v1`)
  const m = p.meta
  if (m === null || typeof m !== 'object' || typeof m.syncId !== 'string' || typeof m.snapshotAt !== 'string' || typeof m.tenant !== 'string') fail('meta is incomplete')
  const d = p.directory
  if (d === null || typeof d !== 'object' || !Array.isArray(d.users) || !Array.isArray(d.groups) || !Array.isArray(d.roles)) fail('directory is incomplete')
  const f = p.findings
  if (f === null || typeof f !== 'object' || !Array.isArray(f.unknownMembers) || !Array.isArray(f.unknownGroups)) fail('findings are incomplete')
  for (const [i, u] of d.users.entries()) {
    if (u === null || typeof u !== 'object' || typeof u.id !== 'string' || !Array.isArray(u.roles) || !Array.isArray(u.groups) || !Array.isArray(u.emails)) fail('a user is malformed')
    if (i % ITEMS_PER_STEP === 0) yield
  }
  for (const g of d.groups) {
    if (g === null || typeof g !== 'object' || typeof g.id !== 'string' || !Array.isArray(g.members)) fail('a group is malformed')
  }
}
