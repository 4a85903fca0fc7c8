import t from 'tap'
import fc from 'fast-check'
import { diffSnapshots } from '#src/sync/snapshot-diff.ts'
import type { SnapshotDiff } from '#src/sync/snapshot-diff.ts'
import { buildDirectory } from '#src/sync/snapshot-build.ts'
import { Snapshot } from '#src/sync/snapshot.ts'
import { seqFromArray } from '#src/sync/seq.ts'
import { newSyncId } from '#src/sync/sync-id.ts'
import type { DirectoryGroup, DirectoryUser } from '#src/directory/types.ts'

function user (id: string, roles: string[], groups: string[], patch: Partial<DirectoryUser> = {}): DirectoryUser {
  return { id, userName: `${id}@example.com`, emails: [{ value: `${id}@example.com`, primary: true }], active: true, status: 'ACTIVE', roles, groups, ...patch }
}

function group (id: string, members: string[], displayName = `Group ${id}`): DirectoryGroup {
  return { id, displayName, members }
}

function snapshot (users: DirectoryUser[], groups: DirectoryGroup[]): Snapshot {
  const { directory, findings } = buildDirectory({ users, groups })
  return Snapshot.build({
    format: 'zuora-c1-snapshot',
    version: 1,
    meta: { syncId: newSyncId(), snapshotAt: '2026-09-01T12:00:00Z', tenant: 'rest.test.zuora.com', connectorVersion: 'test' },
    directory,
    findings
  })
}

function ids (diff: SnapshotDiff) {
  return {
    upserts: {
      resources: diff.upserts.resources.map((r) => `${r.id.resourceType}/${r.id.resource}`),
      entitlements: diff.upserts.entitlements.map((e) => e.id),
      grants: diff.upserts.grants.map((g) => g.id)
    },
    deletions: {
      resources: diff.deletions.resources.map((r) => `${r.resourceType}/${r.resource}`),
      entitlements: diff.deletions.entitlements.map((e) => e.id),
      grants: diff.deletions.grants.map((g) => g.id)
    }
  }
}

const BEFORE = snapshot(
  [
    user('a', ['ADMIN'], ['g1']),
    user('b', ['USER'], ['g1']),
    user('c', ['BILLING', 'USER'], ['g2']),
    user('d', ['USER'], ['g9'])
  ],
  [group('g1', ['a', 'b']), group('g2', ['c']), group('g9', ['d'])]
)

// a: gains FINANCE and moves g1 → g2; b: disabled; c: loses BILLING (the role disappears); d: removed;
// e: added; g1 renamed; g3 added (empty); g9 removed.
const AFTER = snapshot(
  [
    user('a', ['ADMIN', 'FINANCE'], ['g2']),
    user('b', ['USER'], ['g1'], { active: false, status: 'INACTIVE' }),
    user('c', ['USER'], ['g2']),
    user('e', ['USER'], ['g2'])
  ],
  [group('g1', ['b'], 'Ops team'), group('g2', ['a', 'c', 'e']), group('g3', [])]
)

t.test('exact diff after users are added, disabled and removed and roles and groups change', async (t) => {
  const diff = diffSnapshots(BEFORE, AFTER)
  t.equal(diff.fromSyncId, BEFORE.syncId)
  t.equal(diff.toSyncId, AFTER.syncId)
  t.strictSame(ids(diff), {
    upserts: {
      // Role USER keeps 3 members (b, c, e) and ADMIN keeps a: unchanged, so not listed. Group g2 changes memberCount.
      resources: ['user/a', 'user/b', 'user/c', 'user/e', 'role/FINANCE', 'group/g1', 'group/g2', 'group/g3'],
      entitlements: ['role:FINANCE:assigned', 'group:g1:member', 'group:g3:member'],
      grants: [
        'role:FINANCE:assigned:user:a',
        'role:USER:assigned:user:e',
        'group:g2:member:user:a',
        'group:g2:member:user:e'
      ]
    },
    deletions: {
      resources: ['user/d', 'role/BILLING', 'group/g9'],
      entitlements: ['role:BILLING:assigned', 'group:g9:member'],
      grants: [
        'role:BILLING:assigned:user:c',
        'role:USER:assigned:user:d',
        'group:g1:member:user:a',
        'group:g9:member:user:d'
      ]
    }
  })
  // Upserts are the full objects of the new snapshot; deletions carry only ids.
  const b = diff.upserts.resources.find((r) => r.id.resource === 'b')
  t.match(b?.status, { status: 'RESOURCE_STATUS_DISABLED', details: 'INACTIVE' })
  t.strictSame(b, AFTER.resource('user', 'b'))
  t.strictSame(diff.deletions.resources[0], { resourceType: 'user', resource: 'd' })
  t.strictSame(diff.deletions.grants[0], { id: 'role:BILLING:assigned:user:c' })
})

t.test('the reverse diff swaps upserts and deletions', async (t) => {
  const back = ids(diffSnapshots(AFTER, BEFORE))
  t.strictSame(back.deletions.resources, ['user/e', 'role/FINANCE', 'group/g3'])
  t.strictSame(back.deletions.grants, [
    'role:FINANCE:assigned:user:a', 'role:USER:assigned:user:e', 'group:g2:member:user:a', 'group:g2:member:user:e'
  ])
  t.strictSame(back.upserts.resources, ['user/a', 'user/b', 'user/c', 'user/d', 'role/BILLING', 'group/g1', 'group/g2', 'group/g9'])
})

t.test('same data, different sync ids: empty diff', async (t) => {
  const again = snapshot(
    BEFORE.directory.users.map((u) => ({ ...u })),
    BEFORE.directory.groups.map((g) => ({ ...g }))
  )
  t.not(again.syncId, BEFORE.syncId)
  const diff = diffSnapshots(BEFORE, again)
  t.strictSame(diff.upserts, { resources: [], entitlements: [], grants: [] })
  t.strictSame(diff.deletions, { resources: [], entitlements: [], grants: [] })
  const same = diffSnapshots(AFTER, AFTER)
  t.strictSame([same.upserts, same.deletions], [diff.upserts, diff.deletions])
})

t.test('from an empty directory everything is an upsert; to an empty one everything is deleted', async (t) => {
  const empty = snapshot([], [])
  const up = diffSnapshots(empty, AFTER)
  // The built-in roles ADMIN and USER exist in both (with different member counts).
  t.equal(up.upserts.resources.length, AFTER.section('resources').length)
  t.strictSame(up.deletions.resources, [])
  t.equal(up.upserts.grants.length, AFTER.section('grants').length)
  const down = diffSnapshots(AFTER, empty)
  t.strictSame(ids(down).deletions.resources, ['user/a', 'user/b', 'user/c', 'user/e', 'role/FINANCE', 'group/g1', 'group/g2', 'group/g3'])
  t.strictSame(ids(down).upserts.resources, ['role/ADMIN', 'role/USER'])
  t.equal(down.deletions.grants.length, AFTER.section('grants').length)
})

t.test('sections out of key order still diff exactly (keyed fallback)', async (t) => {
  const shuffled = (s: Snapshot): Snapshot => {
    const sections = new Map<string, object[]>()
    for (const name of ['resourceTypes', 'resources', 'entitlements', 'grants'] as const) {
      sections.set(name, s.section(name).slice().reverse())
    }
    return Object.assign(Object.create(Snapshot.prototype) as Snapshot, {
      syncId: s.syncId,
      resourceTypes: s.resourceTypes,
      section: (name: string) => seqFromArray(sections.get(name) ?? [])
    })
  }
  const expected = ids(diffSnapshots(BEFORE, AFTER))
  const got = ids(diffSnapshots(shuffled(BEFORE), shuffled(AFTER)))
  // Same sets; order follows the (reversed) input.
  for (const side of ['upserts', 'deletions'] as const) {
    for (const section of ['resources', 'entitlements', 'grants'] as const) {
      t.strictSame([...got[side][section]].sort(), [...expected[side][section]].sort(), `${side}.${section}`)
    }
  }
})

// Property: applying the diff to `from` gives exactly `to`, section by section.
const ID = fc.constantFrom('u1', 'u2', 'u3', 'u4', 'u5', 'u6')
const GID = fc.constantFrom('g1', 'g2', 'g3')
const ROLE = fc.constantFrom('ADMIN', 'USER', 'BILLING', 'FINANCE')
const dir = fc.record({
  users: fc.uniqueArray(fc.record({ id: ID, roles: fc.uniqueArray(ROLE, { maxLength: 3 }), active: fc.boolean() }), { selector: (u) => u.id, maxLength: 6 }),
  groups: fc.uniqueArray(fc.record({ id: GID, name: fc.constantFrom('A', 'B') }), { selector: (g) => g.id, maxLength: 3 }),
  memberships: fc.array(fc.tuple(GID, ID), { maxLength: 10 })
})

function fromArb (d: typeof dir extends fc.Arbitrary<infer T> ? T : never): Snapshot {
  const userIds = new Set(d.users.map((u) => u.id))
  const groupIds = new Set(d.groups.map((g) => g.id))
  const pairs = d.memberships.filter(([g, u]) => userIds.has(u) && groupIds.has(g))
  const users = d.users.map((u) => user(u.id, [...u.roles].sort(), [...new Set(pairs.filter(([, x]) => x === u.id).map(([g]) => g))].sort(), { active: u.active, status: u.active ? 'ACTIVE' : 'INACTIVE' }))
  const groups = d.groups.map((g) => group(g.id, [...new Set(pairs.filter(([x]) => x === g.id).map(([, u]) => u))].sort(), g.name))
  return snapshot(users, groups)
}

t.test('property: from + diff = to', async (t) => {
  const serialise = (name: 'resources' | 'entitlements' | 'grants', s: Snapshot, key: (o: any) => string): Map<string, string> =>
    new Map(s.section(name).slice().map((o) => [key(o), JSON.stringify(o)]))
  const same = (a: Map<string, string>, b: Map<string, string>): boolean =>
    a.size === b.size && [...a].every(([k, v]) => b.get(k) === v)
  const rk = (o: any): string => `${o.id.resourceType}/${o.id.resource}`
  const byId = (o: any): string => o.id
  fc.assert(fc.property(dir, dir, (a, b) => {
    const from = fromArb(a)
    const to = fromArb(b)
    const diff = diffSnapshots(from, to)
    const apply = (name: 'resources' | 'entitlements' | 'grants', key: (o: any) => string, deleted: string[], upserts: object[]): boolean => {
      const before = serialise(name, from, key)
      const m = new Map(before)
      for (const k of deleted) m.delete(k)
      for (const o of upserts) {
        // Nothing unchanged is listed: every upsert is new or differs from `from`.
        if (before.get(key(o)) === JSON.stringify(o)) return false
        m.set(key(o), JSON.stringify(o))
      }
      return same(m, serialise(name, to, key))
    }
    return apply('resources', rk, diff.deletions.resources.map((r) => `${r.resourceType}/${r.resource}`), diff.upserts.resources) &&
      apply('entitlements', byId, diff.deletions.entitlements.map((e) => e.id), diff.upserts.entitlements) &&
      apply('grants', byId, diff.deletions.grants.map((g) => g.id), diff.upserts.grants)
  }), { numRuns: 300 })
  t.pass('300 random pairs of directories')
})
