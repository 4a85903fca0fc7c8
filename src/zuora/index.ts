/** Public surface of the Zuora connection core. */
export { createZuoraConnection } from './connection.ts'
export type { ZuoraConnectionDeps, ZuoraConnectionTuning } from './connection.ts'
export {
  ZUORA_REST_HOSTS, ONEID_HOST, ZUORA_REST_BASE_REGEX, normaliseTenantBaseUrl, normaliseOverrideUrl,
  deriveTokenUrl, deriveScimBaseUrl, isAllowedUpstreamUrl, isZuoraRestHost, isLoopbackHostname
} from './data-centers.ts'
export { ZuoraError, isZuoraError, parseUpstreamErrorBody, AUTH_HINT } from './errors.ts'
export type { ZuoraErrorKind, ZuoraHttpStatus, UpstreamErrorBody } from './errors.ts'
export type { ZuoraLogger } from './logger.ts'
export { parseRetryAfter, parseRateLimitReset, backoffDelay, seededRandom } from './retry-after.ts'
export type {
  DirectoryRead, QueueStats, ReadOptions, ReadProgress, UpstreamCheck, UpstreamEndpoint, UpstreamObserver, ZuoraConnection
} from './types.ts'
