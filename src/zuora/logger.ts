/** The pino subset the Zuora connection logs through (a pino logger fits; tests pass a silent one). */
export interface ZuoraLogger {
  debug(obj: object, msg?: string): void
  info(obj: object, msg?: string): void
  warn(obj: object, msg?: string): void
  error(obj: object, msg?: string): void
}

const noop = (): void => {}

export const silentLogger: ZuoraLogger = { debug: noop, info: noop, warn: noop, error: noop }
