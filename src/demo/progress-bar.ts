/**
 * A one-line terminal progress bar for the demo's first sync. On a TTY the line is redrawn in place; elsewhere
 * (CI logs, pipes) a plain line is written at most every `intervalMs`.
 */
import type { SyncProgress } from '#src/sync/types.ts'

export interface ProgressOutput {
  write(chunk: string): unknown
  readonly isTTY?: boolean
  readonly columns?: number
}

/** `[#########...........]  45%` with `width` cells between the brackets. */
export function renderBar (fraction: number, width: number): string {
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0
  const filled = Math.round(f * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%`
}

/** Fraction of the read done; the build and persist phases count as the last few percent. */
export function fractionOf (p: SyncProgress): number {
  if (p.phase === 'finished') return 1
  if (p.phase === 'building' || p.phase === 'persisting' || p.phase === 'done') return 0.97
  if (p.pagesTotal === null || p.pagesTotal === 0) return 0
  return 0.95 * Math.min(1, p.pagesDone / p.pagesTotal)
}

/** The text after the bar: phase, pages, users and groups read, retries and rate-limit waits, elapsed. */
export function describeProgress (p: SyncProgress): string {
  const pages = p.pagesTotal === null ? `${p.pagesDone} pages` : `${p.pagesDone}/${p.pagesTotal} pages`
  const trouble = p.retries > 0 || p.rateLimitWaits > 0 ? `, ${p.retries} retries, ${p.rateLimitWaits} rate-limit waits` : ''
  const eta = p.estimatedRemainingMs !== null && p.phase !== 'finished' ? `, ~${(p.estimatedRemainingMs / 1000).toFixed(1)} s left` : ''
  return `${p.phase.padEnd(11)} ${pages}, ${p.usersRead} users, ${p.groupsRead} groups${trouble}, ${(p.elapsedMs / 1000).toFixed(1)} s${eta}`
}

export interface ProgressLine {
  update(p: SyncProgress): void
  /** Draws the final state and ends the line. */
  done(p: SyncProgress): void
}

export function progressLine (out: ProgressOutput, options: { width?: number, intervalMs?: number, now?: () => number } = {}): ProgressLine {
  const width = options.width ?? 24
  const intervalMs = options.intervalMs ?? 1000
  const now = options.now ?? Date.now
  let last = 0
  const line = (p: SyncProgress): string => {
    const text = `Syncing ${renderBar(fractionOf(p), width)} ${describeProgress(p)}`
    const max = out.columns !== undefined && out.columns > 20 ? out.columns - 1 : text.length
    return text.length > max ? text.slice(0, max) : text
  }
  return {
    update (p) {
      if (out.isTTY === true) {
        out.write(`\r\x1b[2K${line(p)}`)
        return
      }
      const t = now()
      if (t - last < intervalMs) return
      last = t
      out.write(`${line(p)}\n`)
    },
    done (p) {
      out.write(out.isTTY === true ? `\r\x1b[2K${line(p)}\n` : `${line(p)}\n`)
    }
  }
}
