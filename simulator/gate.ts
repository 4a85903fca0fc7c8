/**
 * What happens to every SCIM request before its handler: latency, hostile redirect, rate limit,
 * bearer check, injected faults. Returns true when the request has already been answered.
 */
import type { FastifyReply, FastifyRequest } from 'fastify'
import { JSON_TYPE, sendJson, sleep, type SimContext } from './context.ts'
import type { FaultKind } from './faults.ts'
import { htmlErrorPage, scimError, statusText, UNAUTHORIZED_BODY, zuoraError } from './scim-shapes.ts'
import type { RouteName } from './state.ts'

/** Latency owed by each in-flight request (set by applyLatency, honoured by holdForLatency in onSend). */
const owedLatency = new WeakMap<FastifyRequest, number>()

/**
 * Latency is counted from the request's ARRIVAL: the answer leaves `latencyMs` after the request came in, render
 * included, like a remote service with parallel capacity (sleeping first and rendering after would bunch concurrent
 * requests behind this one thread's renders).
 */
export function applyLatency (ctx: SimContext, req: FastifyRequest, route: RouteName): void {
  const ms = ctx.knobs.latencyMs + (ctx.knobs.routeLatencyMs[route] ?? 0)
  if (ms > 0) owedLatency.set(req, ms)
}

/** onSend: holds the answer until `latency` after arrival. */
export async function holdForLatency (req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const ms = owedLatency.get(req)
  if (ms === undefined) return
  const left = ms - reply.elapsedTime
  if (left > 0) await sleep(left)
}

export function bearerToken (req: FastifyRequest): string | undefined {
  const h = req.headers.authorization
  if (typeof h !== 'string') return undefined
  const m = /^bearer\s+(\S+)\s*$/i.exec(h)
  return m === null ? undefined : m[1]
}

/** Sends a 5xx / 429 body in the configured shape. */
export function sendError (ctx: SimContext, reply: FastifyReply, status: number): FastifyReply {
  const shape = ctx.knobs.errorShape
  if (shape === 'html') return reply.code(status).type('text/html').send(htmlErrorPage(status))
  if (shape === 'zuora') return sendJson(reply, status, zuoraError(statusText(status), status === 429 ? '90000070' : '90000060'))
  return sendJson(reply, status, scimError(status, statusText(status)))
}

function tellToWait (ctx: SimContext, reply: FastifyReply, seconds: number): void {
  ctx.limiter.told(seconds)
  reply.header('retry-after', String(seconds))
}

/** Applies an injected fault; returns true when the request was answered (or its socket destroyed). */
export async function applyFault (ctx: SimContext, req: FastifyRequest, reply: FastifyReply, kind: FaultKind): Promise<boolean> {
  ctx.counters.fault(kind)
  const retryAfter = ctx.knobs.retryAfterSeconds
  switch (kind) {
    case 'slow':
      await sleep(ctx.knobs.slowMs)
      return false
    case 'reset':
      reply.hijack()
      req.raw.socket.destroy()
      return true
    case 'malformed':
      reply.code(200).type(JSON_TYPE).send('{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"id":null,"totalResults":12,"resources":[{"schemas":["urn:zuora:sc')
      return true
    case 'html502':
      reply.code(502).type('text/html').send(htmlErrorPage(502))
      return true
    case '429':
      tellToWait(ctx, reply, retryAfter)
      reply.header('ratelimit-remaining', '0').header('ratelimit-reset', String(retryAfter))
      sendError(ctx, reply, 429)
      return true
    case '503':
      tellToWait(ctx, reply, retryAfter)
      sendError(ctx, reply, 503)
      return true
    case '504':
      if (ctx.knobs.gatewayTimeoutDelayMs > 0) await sleep(ctx.knobs.gatewayTimeoutDelayMs)
      sendError(ctx, reply, 504)
      return true
    default:
      sendError(ctx, reply, Number(kind))
      return true
  }
}

export interface PageRef { resource: 'users' | 'groups', page: number }

export async function gate (ctx: SimContext, req: FastifyRequest, reply: FastifyReply, route: RouteName, page?: PageRef): Promise<boolean> {
  const arrived = Date.now()
  if (ctx.limiter.duringRetryAfter(arrived)) ctx.counters.requestsDuringRetryAfter++
  applyLatency(ctx, req, route)

  const redirect = ctx.knobs.hostile.redirect
  if (redirect !== undefined && redirect !== false) {
    const base = typeof redirect === 'string' ? redirect.replace(/\/$/, '') : 'http://redirect.invalid'
    reply.code(302).header('location', base + req.url).send()
    return true
  }

  const d = ctx.limiter.check(arrived)
  if (d !== undefined) {
    reply.header('ratelimit-limit', `${d.limit}, ${d.limit};w=${d.windowSeconds}`)
    reply.header('ratelimit-remaining', String(d.remaining))
    reply.header('ratelimit-reset', String(d.resetSeconds))
    if (!d.allowed) {
      ctx.counters.rateLimited++
      tellToWait(ctx, reply, d.retryAfterSeconds)
      sendError(ctx, reply, 429)
      return true
    }
  }

  const token = bearerToken(req)
  if (token === undefined || !ctx.tokens.isValid(token)) {
    ctx.counters.unauthorized++
    sendJson(reply, 401, UNAUTHORIZED_BODY)
    return true
  }

  const kind = ctx.faults.decide(route, page)
  if (kind !== undefined) return await applyFault(ctx, req, reply, kind)
  return false
}
