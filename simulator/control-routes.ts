/**
 * /_sim/* — TEST-ONLY control routes (no auth): health, counters, knobs, faults, revocation, mutations.
 * Thin wrappers over `SimulatorControl`; errors answer 400 {error}.
 */
import type { FastifyInstance, FastifyReply } from 'fastify'
import { isFaultKind, type FaultTarget } from './faults.ts'
import type { SimulatorControl } from './control.ts'

type Body = Record<string, unknown>

function body (raw: unknown): Body {
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw as Body : {}
}

function strings (v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every(x => typeof x === 'string') ? v as string[] : undefined
}

export function controlRoutes (control: SimulatorControl) {
  return async function register (app: FastifyInstance): Promise<void> {
    const run = (reply: FastifyReply, fn: () => unknown): unknown => {
      try {
        const out = fn()
        return out === undefined ? { ok: true } : out
      } catch (err) {
        return reply.code(400).send({ error: (err as Error).message })
      }
    }

    app.get('/health', async () => ({ ok: true }))
    app.get('/counters', async () => control.counters())
    app.post('/counters/reset', async (_req, reply) => run(reply, () => control.resetCounters()))
    app.get('/options', async () => control.settings())
    app.post('/options', async (req, reply) => run(reply, () => {
      control.set(body(req.body))
      return control.settings()
    }))
    app.post('/revoke', async (_req, reply) => run(reply, () => ({ revoked: control.revokeTokens() })))
    app.post('/reset', async (req, reply) => run(reply, () => {
      const seed = body(req.body).seed
      control.reset(typeof seed === 'number' || typeof seed === 'string' ? seed : undefined)
    }))

    app.post('/fail-next', async (req, reply) => run(reply, () => {
      const b = body(req.body)
      if (!isFaultKind(b.kind)) throw new Error('kind must be one of 429 500 502 503 504 reset malformed slow html502')
      control.failNext(typeof b.n === 'number' ? b.n : 1, b.kind, typeof b.target === 'string' ? b.target as FaultTarget : undefined)
    }))
    app.post('/fail-page', async (req, reply) => run(reply, () => {
      const b = body(req.body)
      if (!isFaultKind(b.kind)) throw new Error('kind must be a fault kind')
      if (b.resource !== 'users' && b.resource !== 'groups') throw new Error("resource must be 'users' or 'groups'")
      if (typeof b.page !== 'number') throw new Error('page must be a number')
      control.failPage({ resource: b.resource, page: b.page, kind: b.kind, times: typeof b.times === 'number' ? b.times : undefined })
    }))
    app.post('/faults/clear', async (_req, reply) => run(reply, () => control.clearFaults()))

    // directory mutations
    app.get('/users/:id', async (req, reply) => {
      const u = control.user((req.params as { id: string }).id)
      return u === undefined ? reply.code(404).send({ error: 'no such user' }) : u
    })
    app.post('/users', async (req, reply) => run(reply, () => control.addUser(body(req.body))))
    app.patch('/users/:id', async (req, reply) => run(reply, () => control.updateUser((req.params as { id: string }).id, body(req.body))))
    app.post('/users/:id/disable', async (req, reply) => run(reply, () => control.disableUser((req.params as { id: string }).id)))
    app.delete('/users/:id', async (req, reply) => run(reply, () => ({ removed: control.removeUser((req.params as { id: string }).id) })))
    app.put('/users/:id/roles', async (req, reply) => run(reply, () => {
      const roles = strings(body(req.body).roles)
      if (roles === undefined) throw new Error('roles must be an array of strings')
      return control.setRoles((req.params as { id: string }).id, roles)
    }))
    app.get('/groups/:id', async (req, reply) => {
      const g = control.group((req.params as { id: string }).id)
      return g === undefined ? reply.code(404).send({ error: 'no such group' }) : g
    })
    app.post('/groups', async (req, reply) => run(reply, () => control.addGroup(body(req.body))))
    app.delete('/groups/:id', async (req, reply) => run(reply, () => ({ removed: control.removeGroup((req.params as { id: string }).id) })))
    app.post('/groups/:id/members', async (req, reply) => run(reply, () => {
      const b = body(req.body)
      if (typeof b.userId !== 'string') throw new Error('userId must be a string')
      control.addMember((req.params as { id: string }).id, b.userId, b.side === 'group' || b.side === 'user' ? b.side : 'both')
    }))
    app.delete('/groups/:id/members/:userId', async (req, reply) => run(reply, () => {
      const p = req.params as { id: string, userId: string }
      control.removeMember(p.id, p.userId)
    }))
  }
}
