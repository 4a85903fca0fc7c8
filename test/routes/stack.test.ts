/**
 * End to end over loopback: the simulator, a real sync, and the façade's walks C1 makes
 * (users, roles and their grants, groups and their grants) against what the simulator holds.
 */
import t from 'tap'
import { startStack } from '../helper.ts'
import { walk } from './list-helpers.ts'

t.test('a synced stack serves every user, role grant and group grant the simulator holds', async t => {
  const stack = await startStack({ t, simulator: { users: 40, groups: 4, seed: 7 } })
  const simUsers = stack.sim.control.users()
  const users = (await walk(t, stack, '/users?pageSize=7')).items
  t.same(users.map(u => u.id.resource), simUsers.map(u => u.id).sort(), 'every user exactly once, in id order')

  const roles = (await walk(t, stack, '/roles?pageSize=7')).items
  t.ok(roles.some(r => r.id.resource === 'ADMIN') && roles.some(r => r.id.resource === 'USER'))
  let roleGrants = 0
  for (const role of roles) {
    const grants = (await walk(t, stack, `/roles/${encodeURIComponent(role.id.resource)}/grants?pageSize=7`)).items
    for (const g of grants) {
      t.equal(g.id, `role:${role.id.resource}:assigned:user:${g.principal.id.resource}`)
      const holder = users.find(u => u.id.resource === g.principal.id.resource)
      t.ok(holder?.profile.roles.includes(role.id.resource), 'the principal holds the role')
    }
    roleGrants += grants.length
  }
  t.equal(roleGrants, simUsers.reduce((n, u) => n + new Set(u.roles).size, 0), 'one grant per (role, user)')

  const groups = (await walk(t, stack, '/groups?pageSize=7')).items
  t.equal(groups.length, 4)
  for (const group of groups) {
    const grants = (await walk(t, stack, `/groups/${group.id.resource}/grants?pageSize=7`)).items
    const members = stack.sim.control.group(group.id.resource)?.members ?? []
    t.same(grants.map(g => g.principal.id.resource), [...members].sort(), `${group.displayName}: one grant per member`)
  }
})
