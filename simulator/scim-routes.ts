/** GET routes under /scim/v2 with Zuora's shapes, paging semantics, filters and hostile modes. */
import { promisify } from 'node:util'
import { gzip } from 'node:zlib'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { sendJson, type SimContext } from './context.ts'
import { FilterError, parseGroupFilter, parseUserFilter, type Predicate } from './filters.ts'
import { gate } from './gate.ts'
import type { SimGroup, SimUser } from './org.ts'
import { resolvePage } from './paging.ts'
import {
  listEnvelope, renderGroup, renderUser, resourceTypes, schemas, scimError, serviceProviderConfig, type RenderContext
} from './scim-shapes.ts'

const gzipAsync = promisify(gzip)
const DEEP_MARK = '__SIM_DEEP_NESTING__'

function nested (depth: number): string {
  return '{"a":'.repeat(depth) + 'null' + '}'.repeat(depth)
}

/** Users listing with duplicates: every 50th user from index 101 re-appears 101 places later. */
export function withDuplicates<T> (items: readonly T[]): T[] {
  const out: T[] = []
  for (let i = 0; i < items.length; i++) {
    out.push(items[i])
    const j = i - 101
    if (j >= 0 && j % 50 === 0) out.push(items[j])
  }
  return out
}

function isWrongTyped (ctx: SimContext, u: SimUser): boolean {
  const w = ctx.knobs.hostile.wrongTypes
  if (w === undefined || w === false) return false
  if (w === true) return u.id.endsWith('0')
  return w.includes(u.id)
}

function userJson (ctx: SimContext, rctx: RenderContext, u: SimUser, deep: boolean): Record<string, unknown> {
  const out = renderUser(u, rctx)
  if (isWrongTyped(ctx, u)) {
    out.roles = u.roles.join(',')
    out.active = 'yes'
  }
  if (deep) out['urn:sim:nested'] = DEEP_MARK
  return out
}

function finish (ctx: SimContext, body: Record<string, unknown>, padding: boolean): string {
  const h = ctx.knobs.hostile
  if (padding && h.hugePage !== undefined && h.hugePage > 0) body['urn:sim:padding'] = 'x'.repeat(h.hugePage)
  let json = JSON.stringify(body)
  if (h.deepNesting !== undefined && h.deepNesting > 0) json = json.replace(`"${DEEP_MARK}"`, nested(h.deepNesting))
  return json
}

/** Counts a served list page and runs the mutation hooks that are due. */
function pageServed (ctx: SimContext, resource: 'users' | 'groups'): void {
  ctx.counters.pagesServed[resource]++
  const total = ctx.counters.pagesServed.users + ctx.counters.pagesServed.groups
  const due = ctx.pageHooks.filter(h => h.at <= total)
  if (due.length === 0) return
  ctx.pageHooks = ctx.pageHooks.filter(h => h.at > total)
  for (const h of due) h.fn()
}

function parseFilter<T> (raw: unknown, parse: (f: string) => Predicate<T>): Predicate<T> | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined
  return parse(raw)
}

export function scimRoutes (ctx: SimContext) {
  return async function register (app: FastifyInstance): Promise<void> {
    app.addHook('onSend', async (req, reply, payload) => {
      if (!ctx.knobs.gzip || typeof payload !== 'string' || payload.length <= 1000) return payload
      if (!/\bgzip\b/i.test(String(req.headers['accept-encoding'] ?? ''))) return payload
      reply.header('content-encoding', 'gzip').header('vary', 'accept-encoding').removeHeader('content-length')
      return await gzipAsync(payload)
    })

    const rctx = (): RenderContext => ({
      organizationId: ctx.dir.organizationId,
      locationBase: ctx.knobs.locationBase,
      ...(ctx.knobs.rfcMemberships ? { rfc: { ancestorsOf: (id: string) => ctx.dir.ancestorsOf(id) } } : {})
    })

    const list = <T extends SimUser | SimGroup>(resource: 'users' | 'groups') => async (req: FastifyRequest, reply: FastifyReply) => {
      const q = req.query as Record<string, unknown>
      const k = ctx.knobs
      const w = resource === 'users'
        ? resolvePage(q, k.usersStartIndex, k.usersDefaultCount, k.usersMaxCount)
        : resolvePage(q, k.groupsStartIndex, k.groupsDefaultCount, k.groupsMaxCount)
      if (await gate(ctx, req, reply, resource === 'users' ? 'users.list' : 'groups.list', { resource, page: w.page })) return reply
      let view = (resource === 'users' ? ctx.dir.users : ctx.dir.groups) as unknown as readonly T[]
      try {
        const pred = parseFilter(q.filter, (resource === 'users' ? parseUserFilter : parseGroupFilter) as (f: string) => Predicate<T>)
        if (pred !== undefined) {
          const org = ctx.dir.organizationId
          view = view.filter(x => pred(x, org))
        }
      } catch (err) {
        if (err instanceof FilterError) return sendJson(reply, 400, scimError(400, err.message, 'invalidFilter'))
        throw err
      }
      if (resource === 'users' && k.hostile.duplicateIds === true) view = withDuplicates(view)
      const items = view.slice(w.from, w.from + w.count)
      const rc = rctx()
      const deep = (k.hostile.deepNesting ?? 0) > 0
      const resources = resource === 'users'
        ? (items as SimUser[]).map((u, i) => userJson(ctx, rc, u, deep && i === 0))
        : (items as SimGroup[]).map(g => renderGroup(g, rc))
      const body = listEnvelope(resources, {
        totalResults: Math.max(0, view.length + (k.hostile.totalResultsLie ?? 0)),
        startIndex: w.startIndex,
        itemsPerPage: w.count,
        listKey: k.listKey,
        omitPagingFields: k.omitPagingFields
      })
      const json = finish(ctx, body, true)
      pageServed(ctx, resource)
      return sendJson(reply, 200, json)
    }

    app.get('/Users', list<SimUser>('users'))
    app.get('/Groups', list<SimGroup>('groups'))

    app.get('/Users/:id', async (req, reply) => {
      if (await gate(ctx, req, reply, 'users.get')) return reply
      const { id } = req.params as { id: string }
      const u = ctx.dir.userById.get(id)
      if (u === undefined) return sendJson(reply, 404, scimError(404, `User ${id} not found`))
      return sendJson(reply, 200, finish(ctx, userJson(ctx, rctx(), u, (ctx.knobs.hostile.deepNesting ?? 0) > 0), false))
    })

    app.get('/Groups/:id', async (req, reply) => {
      if (await gate(ctx, req, reply, 'groups.get')) return reply
      const { id } = req.params as { id: string }
      const g = ctx.dir.groupById.get(id)
      if (g === undefined) return sendJson(reply, 404, scimError(404, `Group ${id} not found`))
      return sendJson(reply, 200, renderGroup(g, rctx(), uid => ctx.dir.userById.get(uid)?.userName))
    })

    app.get('/ServiceProviderConfig', async (req, reply) => {
      if (await gate(ctx, req, reply, 'discovery')) return reply
      return sendJson(reply, 200, serviceProviderConfig(ctx.knobs.locationBase))
    })

    app.get('/ResourceTypes', async (req, reply) => {
      if (await gate(ctx, req, reply, 'discovery')) return reply
      const items = resourceTypes(ctx.knobs.locationBase)
      return sendJson(reply, 200, listEnvelope(items, { totalResults: items.length, startIndex: 1, itemsPerPage: items.length, listKey: ctx.knobs.listKey, omitPagingFields: false }))
    })

    app.get('/ResourceTypes/:id', async (req, reply) => {
      if (await gate(ctx, req, reply, 'discovery')) return reply
      const { id } = req.params as { id: string }
      const found = resourceTypes(ctx.knobs.locationBase).find(r => r.id === id)
      return found === undefined ? sendJson(reply, 404, scimError(404, `ResourceType ${id} not found`)) : sendJson(reply, 200, found)
    })

    app.get('/Schemas', async (req, reply) => {
      if (await gate(ctx, req, reply, 'discovery')) return reply
      const items = schemas(ctx.knobs.locationBase)
      // Zuora's sample omits startIndex/itemsPerPage here
      return sendJson(reply, 200, listEnvelope(items, { totalResults: items.length, startIndex: 1, itemsPerPage: items.length, listKey: ctx.knobs.listKey, omitPagingFields: true }))
    })

    app.get('/Schemas/:id', async (req, reply) => {
      if (await gate(ctx, req, reply, 'discovery')) return reply
      const { id } = req.params as { id: string }
      const found = schemas(ctx.knobs.locationBase).find(s => s.id === id)
      return found === undefined ? sendJson(reply, 404, scimError(404, `Schema ${id} not found`)) : sendJson(reply, 200, found)
    })

    // The service is read-only; writes are not simulated.
    const readOnly = async (req: FastifyRequest, reply: FastifyReply) => {
      if (await gate(ctx, req, reply, 'other')) return reply
      return sendJson(reply, 501, scimError(501, 'The Zuora simulator is read-only'))
    }
    for (const url of ['/Users', '/Users/*', '/Groups', '/Groups/*']) {
      app.route({ method: ['POST', 'PUT', 'PATCH', 'DELETE'], url, handler: readOnly })
    }

    app.setNotFoundHandler(async (req, reply) => sendJson(reply, 404, scimError(404, `No resource at ${req.url.split('?')[0]}`)))
  }
}
