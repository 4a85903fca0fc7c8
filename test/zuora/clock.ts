/** A virtual clock for queue tests (not a test file): time moves only when the test advances it. */
import type { QueueClock } from '#src/zuora/upstream.ts'

export interface VirtualClock extends QueueClock {
  /** Runs every timer due within `ms`, in time order, letting promises settle in between. */
  advance(ms: number): Promise<void>
  /** Lets pending promise callbacks run. */
  flush(): Promise<void>
  pending(): number
}

export function virtualClock (start = 0): VirtualClock {
  let now = start
  let seq = 0
  const timers: Array<{ at: number, seq: number, fn: () => void }> = []
  const flush = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
  }
  return {
    now: () => now,
    schedule (fn, ms) {
      const timer = { at: now + Math.max(0, ms), seq: seq++, fn }
      timers.push(timer)
      return () => {
        const i = timers.indexOf(timer)
        if (i >= 0) timers.splice(i, 1)
      }
    },
    async advance (ms) {
      const target = now + ms
      await flush()
      for (;;) {
        timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
        const next = timers[0]
        if (next === undefined || next.at > target) break
        timers.shift()
        now = next.at
        next.fn()
        await flush()
      }
      now = target
      await flush()
    },
    flush,
    pending: () => timers.length
  }
}
