/**
 * A snapshot that must not be published (unsafe id, dangling reference, malformed persisted data).
 * `name` is 'SnapshotError' (src/sync/sync-errors.ts matches on it).
 */
export class SnapshotError extends Error {
  constructor (message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'SnapshotError'
  }
}

export function isSnapshotError (err: unknown): err is SnapshotError {
  return err instanceof Error && err.name === 'SnapshotError'
}
