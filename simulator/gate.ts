/**
 * What happens to a request before its handler: latency, hostile redirect, rate limit, bearer check, injected
 * faults. Each step that answers the request returns true.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { SimulatorControl } from './control.ts'
import type { FaultKind, PageRef, RouteName } from './faults.ts'
import { htmlErrorPage, scimError, statusText, zuoraError } from './scim-shapes.ts'

const JSON_TYPE = 'application/json; charset=utf-8'

export function sendJson (reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(JSON_TYPE).send(typeof body === 'string' ? body : JSON.stringify(body))
}

/** Latency owed by each in-flight request (set by applyLatency, honoured by holdForLatency in onSend). */
const owedLatency = new WeakMap<FastifyRequest, number>()

/**
 * Latency is counted from the request's ARRIVAL: the answer leaves `latencyMs` after the request came in, render
 * included, like a remote service with parallel capacity (sleeping first and rendering after would bunch concurrent
 * requests behind this one thread's renders).
 */
export function applyLatency (sim: SimulatorControl, req: FastifyRequest, route: RouteName): void {
  const ms = sim.knobs.latencyMs + (sim.knobs.routeLatencyMs[route] ?? 0)
  if (ms > 0) owedLatency.set(req, ms)
}

/** onSend: holds the answer until `latency` after arrival. */
export async function holdForLatency (req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const left = (owedLatency.get(req) ?? 0) - reply.elapsedTime
  if (left > 0) await sleep(left)
}

/** Sends a 5xx / 429 body in the configured shape. */
function sendError (sim: SimulatorControl, reply: FastifyReply, status: number): void {
  const shape = sim.knobs.errorShape
  if (shape === 'html') reply.code(status).type('text/html').send(htmlErrorPage(status))
  else if (shape === 'zuora') sendJson(reply, status, zuoraError(statusText(status), status === 429 ? '90000070' : '90000060'))
  else sendJson(reply, status, scimError(status, statusText(status)))
}

function tellToWait (sim: SimulatorControl, reply: FastifyReply, seconds: number): void {
  sim.limiter.told(seconds)
  reply.header('retry-after', String(seconds))
}

/** Applies an injected fault; returns true when the request was answered (or its socket destroyed). */
export async function applyFault (sim: SimulatorControl, req: FastifyRequest, reply: FastifyReply, kind: FaultKind): Promise<boolean> {
  sim.stats.faultsInjected++
  sim.stats.faultsByKind[kind] = (sim.stats.faultsByKind[kind] ?? 0) + 1
  const retryAfter = sim.knobs.retryAfterSeconds
  switch (kind) {
    case 'slow':
      await sleep(sim.knobs.slowMs)
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
      tellToWait(sim, reply, retryAfter)
      reply.header('ratelimit-remaining', '0').header('ratelimit-reset', String(retryAfter))
      break
    case '503':
      tellToWait(sim, reply, retryAfter)
      break
    case '504':
      if (sim.knobs.gatewayTimeoutDelayMs > 0) await sleep(sim.knobs.gatewayTimeoutDelayMs)
  }
  sendError(sim, reply, Number(kind))
  return true
}

/** The SCIM gate: latency, hostile redirect, rate limit, bearer token, injected faults. */
export async function gate (sim: SimulatorControl, req: FastifyRequest, reply: FastifyReply, route: RouteName, page?: PageRef): Promise<boolean> {
  const arrived = Date.now()
  if (sim.limiter.duringRetryAfter(arrived)) sim.stats.requestsDuringRetryAfter++
  applyLatency(sim, req, route)

  const redirect = sim.knobs.hostile.redirect
  if (redirect !== undefined && redirect !== false) {
    const base = typeof redirect === 'string' ? redirect.replace(/\/$/, '') : 'http://redirect.invalid'
    reply.code(302).header('location', base + req.url).send()
    return true
  }

  const d = sim.limiter.check(arrived)
  if (d !== undefined) {
    reply.header('ratelimit-limit', `${d.limit}, ${d.limit};w=${d.windowSeconds}`)
    reply.header('ratelimit-remaining', String(d.remaining))
    reply.header('ratelimit-reset', String(d.resetSeconds))
    if (!d.allowed) {
      sim.stats.rateLimited++
      tellToWait(sim, reply, d.retryAfterSeconds)
      sendError(sim, reply, 429)
      return true
    }
  }

  const token = /^bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1]
  if (token === undefined || !((sim.tokens.get(token) ?? 0) > Date.now())) {
    sim.stats.unauthorized++
    sendJson(reply, 401, zuoraError('Unauthorized', '90000011'))
    return true
  }

  const kind = sim.faults.decide(route, page)
  return kind !== undefined && await applyFault(sim, req, reply, kind)
}
