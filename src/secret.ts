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

  /** Constant-time equality, for comparing presented credentials. */
  equals (other: string): boolean {
    return timingSafeEqualStrings(this.#value, other)
  }

  toString (): string { return REDACTED }
  toJSON (): string { return REDACTED }
  [inspect.custom] (): string { return REDACTED }
}

function timingSafeEqualStrings (a: string, b: string): boolean {
  const ab = Buffer.from(a)
  const bb = Buffer.from(b)
  let diff = ab.length ^ bb.length
  for (let i = 0; i < ab.length; i++) diff |= ab[i] ^ (bb[i % (bb.length || 1)] ?? 0)
  return diff === 0
}
