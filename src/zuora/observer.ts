/**
 * Wraps an UpstreamObserver so that every hook exists and none can throw into the caller
 * (a metrics bug must never fail a sync).
 */
import type { UpstreamObserver } from './types.ts'

export function safeObserver (observer: UpstreamObserver = {}): Required<UpstreamObserver> {
  const call = <K extends keyof UpstreamObserver>(name: K) => (event: Parameters<Required<UpstreamObserver>[K]>[0]): void => {
    try {
      (observer[name] as ((e: typeof event) => void) | undefined)?.call(observer, event)
    } catch {
      // observers never break the caller
    }
  }
  return { request: call('request'), retry: call('retry'), rateLimitWait: call('rateLimitWait'), tokenRefresh: call('tokenRefresh') }
}
