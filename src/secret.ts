import { inspect } from 'node:util'

const REDACTED = '[REDACTED]'

/**
 * A value that must never reach a log line, an error message or a response body.
 * It prints as `[REDACTED]` through `String()`, `JSON.stringify`, `util.inspect` and pino;
 * only `reveal()` hands out the real value, at the one place that sends it upstream.
 */
export class Secret {
  readonly #value: string

  constructor (value: string) {
    this.#value = value
  }

  reveal (): string {
    return this.#value
  }

  toString (): string { return REDACTED }
  toJSON (): string { return REDACTED }
  [inspect.custom] (): string { return REDACTED }
}
