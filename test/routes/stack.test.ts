/**
 * End to end over loopback: the simulator, a real sync, and the façade's walks C1 makes
 * (users, roles and their grants, groups and their grants) against what the simulator holds.
 */
import t from 'tap'
import { startStack } from '../helper.ts'
import type { TestStack } from '../helper.ts'

async function walk (stack: TestStack, path: string): Promise<Array<Record<string, any>>> {
  const items: Array<Record<string, any>> = []
  let token = ''
  do {
    const sep = path.includes('?') ? '&' : '?'
    const res = await stack.request(`${path}${sep}pageSize=7${token === '' ? '' : `&pageToken=${encodeURIComponent(token)}`}`)
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`)
    const body = await res.json() as { list: Array<Record<string, any>>, nextPageToken: string }
    items.push(...body.list)
    token = body.nextPageToken
  } while (token !== '')
  return items
}

t.test('a synced stack serves every user, role grant and group grant the simulator holds', async t => {
  const stack = await startStack({ t, simulator: { users: 40, groups: 4, seed: 7 } })
  const simUsers = stack.sim.control.users()
  const users = await walk(stack, '/users')
  t.same(users.map(u => u.id.resource), simUsers.map(u => u.id).sort(), 'every user exactly once, in id order')

  const roles = await walk(stack, '/roles')
  t.ok(roles.some(r => r.id.resource === 'ADMIN') && roles.some(r => r.id.resource === 'USER'))
  let roleGrants = 0
  for (const role of roles) {
    const grants = await walk(stack, `/roles/${encodeURIComponent(role.id.resource)}/grants`)
    for (const g of grants) {
      t.equal(g.id, `role:${role.id.resource}:assigned:user:${g.principal.id.resource}`)
      const holder = users.find(u => u.id.resource === g.principal.id.resource)
      t.ok(holder?.profile.roles.includes(role.id.resource), 'the principal holds the role')
    }
    roleGrants += grants.length
  }
  t.equal(roleGrants, simUsers.reduce((n, u) => n + new Set(u.roles).size, 0), 'one grant per (role, user)')

  const groups = await walk(stack, '/groups')
  t.equal(groups.length, 4)
  for (const group of groups) {
    const grants = await walk(stack, `/groups/${group.id.resource}/grants`)
    const members = stack.sim.control.group(group.id.resource)?.members ?? []
    t.same(grants.map(g => g.principal.id.resource), [...members].sort(), `${group.displayName}: one grant per member`)
  }
})
