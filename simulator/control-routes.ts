/**
 * /_sim/* — TEST-ONLY control routes (no auth): health, counters, knobs, faults, revocation, mutations.
 * Thin wrappers over `SimulatorControl`; errors answer 400 {error}.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { SimulatorControl } from './control.ts'
import { isFaultKind, type FaultTarget } from './faults.ts'

type Body = Record<string, unknown>
type Req = FastifyRequest<{ Params: { id: string, userId: string } }>

function body (req: FastifyRequest): Body {
  const raw = req.body
  return typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? raw as Body : {}
}

export function controlRoutes (control: SimulatorControl) {
  return async function register (app: FastifyInstance): Promise<void> {
    /** A route whose errors answer 400 (or their statusCode) and whose undefined result answers {ok: true}. */
    const route = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, fn: (req: Req) => unknown): void => {
      app.route<{ Params: { id: string, userId: string } }>({
        method,
        url,
        handler: async (req, reply) => {
          try {
            return fn(req) ?? { ok: true }
          } catch (err) {
            return reply.code((err as { statusCode?: number }).statusCode ?? 400).send({ error: (err as Error).message })
          }
        }
      })
    }
    const found = <T>(what: string, x: T | undefined): T => {
      if (x === undefined) throw Object.assign(new Error(`no such ${what}`), { statusCode: 404 })
      return x
    }

    route('GET', '/health', () => undefined)
    route('GET', '/counters', () => control.counters())
    route('POST', '/counters/reset', () => control.resetCounters())
    route('GET', '/options', () => control.settings())
    route('POST', '/options', req => {
      control.set(body(req))
      return control.settings()
    })
    route('POST', '/revoke', () => ({ revoked: control.revokeTokens() }))
    route('POST', '/reset', req => {
      const seed = body(req).seed
      control.reset(typeof seed === 'number' || typeof seed === 'string' ? seed : undefined)
    })

    route('POST', '/fail-next', req => {
      const b = body(req)
      if (!isFaultKind(b.kind)) throw new Error('kind must be one of 429 500 502 503 504 reset malformed slow html502')
      control.failNext(typeof b.n === 'number' ? b.n : 1, b.kind, typeof b.target === 'string' ? b.target as FaultTarget : undefined)
    })
    route('POST', '/fail-page', req => {
      const b = body(req)
      if (!isFaultKind(b.kind)) throw new Error('kind must be a fault kind')
      if (b.resource !== 'users' && b.resource !== 'groups') throw new Error("resource must be 'users' or 'groups'")
      if (typeof b.page !== 'number') throw new Error('page must be a number')
      control.failPage({ resource: b.resource, page: b.page, kind: b.kind, times: typeof b.times === 'number' ? b.times : undefined })
    })
    route('POST', '/faults/clear', () => control.clearFaults())

    // directory mutations
    route('GET', '/users/:id', req => found('user', control.user(req.params.id)))
    route('POST', '/users', req => control.addUser(body(req)))
    route('PATCH', '/users/:id', req => control.updateUser(req.params.id, body(req)))
    route('POST', '/users/:id/disable', req => control.disableUser(req.params.id))
    route('DELETE', '/users/:id', req => ({ removed: control.removeUser(req.params.id) }))
    route('PUT', '/users/:id/roles', req => {
      const roles = body(req).roles
      if (!Array.isArray(roles) || !roles.every(x => typeof x === 'string')) throw new Error('roles must be an array of strings')
      return control.setRoles(req.params.id, roles)
    })
    route('GET', '/groups/:id', req => found('group', control.group(req.params.id)))
    route('POST', '/groups', req => control.addGroup(body(req)))
    route('DELETE', '/groups/:id', req => ({ removed: control.removeGroup(req.params.id) }))
    route('POST', '/groups/:id/members', req => {
      const b = body(req)
      if (typeof b.userId !== 'string') throw new Error('userId must be a string')
      control.addMember(req.params.id, b.userId, b.side === 'group' || b.side === 'user' ? b.side : 'both')
    })
    route('DELETE', '/groups/:id/members/:userId', req => control.removeMember(req.params.id, req.params.userId))
  }
}
