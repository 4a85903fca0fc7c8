/**
 * Untuned against both simulator flavours (no ZUORA_*_START_INDEX, no ZUORA_OAUTH_CLIENT_AUTH): Zuora as documented,
 * and a plain RFC 7643/7644 server (Resources, item-index Groups, a page cap below count, Basic-only tokens,
 * nested groups and indirect groups[] entries). A full sync succeeds and the façade serves exactly the simulator's
 * users, roles, role grants, groups and member grants, with zero findings and exact member counts.
 */
import t from 'tap'
import { startStack } from '../helper.ts'
import { walk } from './list-helpers.ts'

const byId = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

for (const flavor of ['zuora', 'standard'] as const) {
  t.test(`${flavor} flavour, no tuning: 250 groups, the façade serves exactly the simulator's directory`, async t => {
    const stack = await startStack({ t, simulator: { flavor, users: 300, groups: 250, seed: 13 } })
    const job = stack.app.syncEngine.lastFinished()
    const snapshot = stack.app.snapshots.current()
    t.ok(snapshot !== undefined, `the sync succeeded (${JSON.stringify(job).slice(0, 400)})`)
    if (snapshot === undefined) return
    t.same(snapshot.stats.findings, { membershipOnlyInGroup: 0, membershipOnlyInUser: 0, unknownMembers: 0, unknownGroups: 0 }, 'zero findings')

    const sim = stack.sim.control
    const users = (await walk(t, stack, '/users?pageSize=100')).items
    t.same(users.map(u => u.id.resource), sim.users().map(u => u.id).sort(byId), 'every user exactly once')
    for (const u of users) {
      const s = sim.user(u.id.resource)!
      t.same(u.profile.groups, [...s.groups].sort(byId), 'direct groups only')
      const indirect = flavor === 'standard'
        ? [...new Set(s.groups.flatMap(g => sim.groups().length > 0 ? ancestors(sim, g) : []))].filter(g => !s.groups.includes(g)).sort(byId)
        : []
      t.same(u.profile.indirectGroups ?? [], indirect, 'indirect groups in a field of their own')
    }

    const roles = (await walk(t, stack, '/roles?pageSize=50')).items
    let roleGrants = 0
    for (const role of roles) {
      const grants = (await walk(t, stack, `/roles/${encodeURIComponent(role.id.resource)}/grants?pageSize=200`)).items
      const holders = sim.users().filter(u => u.roles.includes(role.id.resource)).map(u => u.id).sort(byId)
      t.same(grants.map(g => g.principal.id.resource), holders, `role ${role.id.resource}`)
      roleGrants += grants.length
    }
    t.equal(roleGrants, sim.users().reduce((n, u) => n + new Set(u.roles).size, 0))

    const groups = (await walk(t, stack, '/groups?pageSize=100')).items
    t.same(groups.map(g => g.id.resource), sim.groups().map(g => g.id).sort(byId), 'every group exactly once')
    let nestedSeen = 0
    for (const group of groups) {
      const s = sim.group(group.id.resource)!
      t.equal(group.profile.memberCount, s.members.length, 'memberCount counts users only')
      const grants = (await walk(t, stack, `/groups/${group.id.resource}/grants?pageSize=200`)).items
      const nested = grants.filter(g => g.principal.id.resourceType === 'group')
      const userGrants = grants.filter(g => g.principal.id.resourceType === 'user')
      t.same(userGrants.map(g => g.principal.id.resource), [...s.members].sort(byId))
      t.same(nested.map(g => g.principal.id.resource), [...(s.memberGroups ?? [])].sort(byId))
      for (const g of nested) {
        nestedSeen++
        t.equal(g.id, `group:${group.id.resource}:member:group:${g.principal.id.resource}`, 'stable grant id')
        t.same(g.annotations, [{ '@type': 'type.googleapis.com/c1.connector.v2.GrantExpandable', entitlementIds: [`group:${g.principal.id.resource}:member`], resourceTypeIds: ['user'] }])
      }
    }
    if (flavor === 'standard') t.ok(nestedSeen >= 10, `nested groups are granted, not flattened (${nestedSeen})`)
    else t.equal(nestedSeen, 0)
    const c = sim.counters()
    t.equal(c.tokenRequests, flavor === 'standard' ? 2 : 1, flavor === 'standard' ? 'form body refused once, then HTTP Basic' : 'one token request')
  })
}

function ancestors (sim: { groups(): ReadonlyArray<{ id: string, memberGroups?: string[] }> }, groupId: string): string[] {
  const out = new Set<string>()
  const stack = [groupId]
  while (stack.length > 0) {
    const id = stack.pop() as string
    for (const g of sim.groups()) {
      if ((g.memberGroups ?? []).includes(id) && !out.has(g.id)) { out.add(g.id); stack.push(g.id) }
    }
  }
  return [...out]
}
