/**
 * ZuoraConnection: wires the token manager, the request queue, the SCIM client and the cache together.
 * (Minimal version: the full wiring lands shortly; the signature is final.)
 */
import type { Dispatcher } from 'undici'
import type { Config } from '../config.ts'
import { ZuoraError } from './errors.ts'
import type { QueueStats, UpstreamCheck, UpstreamObserver, ZuoraConnection } from './types.ts'

/** The pino subset the connection logs through. */
export interface ZuoraLogger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
  child(bindings: Record<string, unknown>): ZuoraLogger
}

export interface ZuoraConnectionDeps {
  readonly dispatcher?: Dispatcher
  readonly logger?: ZuoraLogger
  readonly observer?: UpstreamObserver
  readonly now?: () => number
}

export function createZuoraConnection (config: Config['zuora'], deps: ZuoraConnectionDeps = {}): ZuoraConnection {
  void deps
  const notYet = (): never => { throw new ZuoraError('Zuora connection not implemented yet', { kind: 'upstream', endpoint: 'users' }) }
  const stats: QueueStats = { active: 0, queued: 0, paused: false, pausedUntil: null, requests: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0 }
  return {
    tenant: new URL(config.tenantBaseUrl).host,
    async readDirectory () { return notYet() },
    async getUser () { return notYet() },
    async getGroup () { return notYet() },
    async check (): Promise<UpstreamCheck> { return { ok: false, checkedAt: new Date().toISOString(), latencyMs: 0, detail: 'not implemented yet' } },
    stats: () => stats,
    async close () {}
  }
}
