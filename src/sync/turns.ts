/**
 * Long CPU work (building a 100k-user snapshot) written once as a generator that yields now and then, and run
 * either at once (restore at start-up, tests) or in short turns that give the event loop back in between, so the
 * service keeps answering while a sync builds.
 */
export type Steps<T> = Generator<undefined, T, undefined>

/** Items between two yields of a loop in a Steps generator (a few microseconds of work each). */
export const ITEMS_PER_STEP = 256

/** Runs `steps` to the end without giving the event loop a turn. */
export function runAtOnce<T> (steps: Steps<T>): T {
  for (;;) {
    const step = steps.next()
    if (step.done === true) return step.value
  }
}

/** Runs `steps` in turns of about `turnMs`, leaving the event loop (setImmediate) between two turns. */
export async function runInTurns<T> (steps: Steps<T>, turnMs = 4): Promise<T> {
  let until = performance.now() + turnMs
  for (;;) {
    const step = steps.next()
    if (step.done === true) return step.value
    if (performance.now() >= until) {
      await new Promise((resolve) => setImmediate(resolve))
      until = performance.now() + turnMs
    }
  }
}
