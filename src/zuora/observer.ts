/**
 * Wraps an UpstreamObserver so that every hook exists and none can throw into the caller
 * (a metrics bug must never fail a sync).
 */
import type { UpstreamObserver } from './types.ts'

export type SafeObserver = Required<UpstreamObserver>

type Hook = keyof UpstreamObserver

export function safeObserver (observer: UpstreamObserver | undefined): SafeObserver {
  const call = <K extends Hook>(name: K) => (event: Parameters<Required<UpstreamObserver>[K]>[0]): void => {
    const fn = observer?.[name] as ((e: typeof event) => void) | undefined
    if (fn === undefined) return
    try {
      fn.call(observer, event)
    } catch {
      // observers never break the caller
    }
  }
  return {
    request: call('request'),
    retry: call('retry'),
    rateLimitWait: call('rateLimitWait'),
    tokenRefresh: call('tokenRefresh'),
    cache: call('cache')
  }
}
