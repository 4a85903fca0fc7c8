/** startIndex/count resolution for both semantics (zuora-api.md §3.9). Pure. */
import type { StartIndexMode } from './context.ts'

export interface PageWindow {
  /** startIndex as echoed back (normalised: below 1 → 1). */
  startIndex: number
  /** Effective count after default and clamp (negative → 0). */
  count: number
  /** 0-based offset of the first item. */
  from: number
  /** 1-based page number (used by failPage rules). */
  page: number
}

function intParam (raw: unknown): number | undefined {
  if (typeof raw !== 'string' || raw.trim() === '') return undefined
  const n = Number(raw)
  return Number.isFinite(n) ? Math.trunc(n) : undefined
}

export function resolvePage (query: { startIndex?: unknown, count?: unknown }, mode: StartIndexMode, defaultCount: number, maxCount: number): PageWindow {
  const startIndex = Math.max(1, intParam(query.startIndex) ?? 1)
  const count = Math.min(maxCount, Math.max(0, intParam(query.count) ?? defaultCount))
  if (mode === 'page') {
    return { startIndex, count, from: (startIndex - 1) * count, page: startIndex }
  }
  return { startIndex, count, from: startIndex - 1, page: count > 0 ? Math.floor((startIndex - 1) / count) + 1 : 1 }
}
