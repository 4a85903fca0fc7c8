/**
 * The two lists under /scim/v2 with Zuora's shapes, paging semantics (zuora-api.md §3.9) and hostile modes. Only
 * what the service reads is simulated: no filters, no single-resource GETs, no discovery documents, no writes (501).
 */
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { SimulatorControl, StartIndexMode } from './control.ts'
import { gate, sendJson } from './gate.ts'
import type { SimUser } from './org.ts'
import { listEnvelope, renderGroup, renderUser, scimError, type RenderContext } from './scim-shapes.ts'

const gzipAsync = promisify(gzip)
const DEEP_MARK = '__SIM_DEEP_NESTING__'

function intParam (raw: unknown): number | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined
  const n = Number(raw)
  return Number.isFinite(n) ? Math.trunc(n) : undefined
}

/**
 * The page a list request asks for: startIndex as echoed back (below 1 → 1), the effective count (default, clamp,
 * negative → 0), the 0-based offset of its first item and its 1-based page number (for failPage rules).
 */
export function resolvePage (query: { startIndex?: unknown, count?: unknown }, mode: StartIndexMode, defaultCount: number, maxCount: number) {
  const startIndex = Math.max(1, intParam(query.startIndex) ?? 1)
  const count = Math.min(maxCount, Math.max(0, intParam(query.count) ?? defaultCount))
  if (mode === 'page') return { startIndex, count, from: (startIndex - 1) * count, page: startIndex }
  return { startIndex, count, from: startIndex - 1, page: count > 0 ? Math.floor((startIndex - 1) / count) + 1 : 1 }
}

/** Users listing with duplicates: every 50th user from index 101 re-appears 101 places later. */
function withDuplicates<T> (items: readonly T[]): T[] {
  const out: T[] = []
  for (let i = 0; i < items.length; i++) {
    out.push(items[i])
    const j = i - 101
    if (j >= 0 && j % 50 === 0) out.push(items[j])
  }
  return out
}

function userJson (sim: SimulatorControl, rctx: RenderContext, u: SimUser, deep: boolean): Record<string, unknown> {
  const out = renderUser(u, rctx)
  const w = sim.knobs.hostile.wrongTypes
  if (w !== undefined && w !== false && (w === true ? u.id.endsWith('0') : w.includes(u.id))) {
    out.roles = u.roles.join(',')
    out.active = 'yes'
  }
  if (deep) out['urn:sim:nested'] = DEEP_MARK
  return out
}

/** The JSON text with the hostile padding and deep nesting applied. */
function finish (sim: SimulatorControl, body: Record<string, unknown>): string {
  const { hugePage = 0, deepNesting = 0 } = sim.knobs.hostile
  if (hugePage > 0) body['urn:sim:padding'] = 'x'.repeat(hugePage)
  const json = JSON.stringify(body)
  return deepNesting > 0 ? json.replace(`"${DEEP_MARK}"`, '{"a":'.repeat(deepNesting) + 'null' + '}'.repeat(deepNesting)) : json
}

export function scimRoutes (sim: SimulatorControl) {
  return async function register (app: FastifyInstance): Promise<void> {
    app.addHook('onSend', async (req, reply, payload) => {
      if (!sim.knobs.gzip || typeof payload !== 'string' || payload.length <= 1000) return payload
      if (!/\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''))) return payload
      reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').removeHeader('content-length')
      return await gzipAsync(payload)
    })

    const rctx = (): RenderContext => ({
      organizationId: sim.organizationId,
      locationBase: sim.knobs.locationBase,
      rfc: sim.knobs.rfcMemberships ? { ancestorsOf: (id: string) => sim.ancestorsOf(id) } : undefined
    })

    const list = (resource: 'users' | 'groups') => async (req: FastifyRequest, reply: FastifyReply) => {
      const q = req.query as Record<string, unknown>
      const k = sim.knobs
      const w = resource === 'users'
        ? resolvePage(q, k.usersStartIndex, k.usersDefaultCount, k.usersMaxCount)
        : resolvePage(q, k.groupsStartIndex, k.groupsDefaultCount, k.groupsMaxCount)
      if (await gate(sim, req, reply, `${resource}.list`, { resource, page: w.page })) return reply
      // the service never filters: a filter is refused rather than ignored
      if (typeof q.filter === 'string' && q.filter.trim() !== '') return sendJson(reply, 400, scimError(400, 'Filters are not simulated', 'invalidFilter'))
      const rc = rctx()
      let resources: Array<Record<string, unknown>>
      let total: number
      if (resource === 'users') {
        const view = k.hostile.duplicateIds === true ? withDuplicates(sim.users()) : sim.users()
        resources = view.slice(w.from, w.from + w.count).map((u, i) => userJson(sim, rc, u, i === 0 && (k.hostile.deepNesting ?? 0) > 0))
        total = view.length
      } else {
        resources = sim.groups().slice(w.from, w.from + w.count).map(g => renderGroup(g, rc))
        total = sim.groups().length
      }
      const paging = k.omitPagingFields ? undefined : { startIndex: w.startIndex, itemsPerPage: w.count }
      const json = finish(sim, listEnvelope(resources, k.listKey, paging, Math.max(0, total + (k.hostile.totalResultsLie ?? 0))))
      sim.pageServed(resource)
      return sendJson(reply, 200, json)
    }
    app.get('/Users', list('users'))
    app.get('/Groups', list('groups'))

    // The service is read-only; writes are not simulated.
    const readOnly = async (req: FastifyRequest, reply: FastifyReply) => {
      if (await gate(sim, req, reply, 'other')) return reply
      return sendJson(reply, 501, scimError(501, 'The Zuora simulator is read-only'))
    }
    for (const url of ['/Users', '/Users/*', '/Groups', '/Groups/*']) {
      app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url, handler: readOnly })
    }

    app.setNotFoundHandler(async (req, reply) => sendJson(reply, 404, scimError(404, `No resource at ${req.url.split('?')[0]}`)))
  }
}
