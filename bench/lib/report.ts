/**
 * Benchmark results: one row per target (measured value, ratio to the target, pass/fail), printed as a
 * console table and as Markdown, and written to bench/results/latest.json (gitignored).
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpus } from 'node:os'

export interface TargetResult {
  /** Benchmark name, e.g. 'sync-vs-limit'. */
  readonly bench: string
  /** What is measured, e.g. 'readDirectory wall vs ideal'. */
  readonly target: string
  /** Human-readable goal, e.g. '≤ 1.2 × ideal'. */
  readonly goal: string
  /** Human-readable measurement, e.g. '6.61 s (ideal 6.40 s)'. */
  readonly measured: string
  /** The ratio the goal is expressed in (measured / ideal, speed-up, share of bare), when there is one. */
  readonly ratio?: number
  readonly pass: boolean
  /** Raw numbers for the JSON file. */
  readonly data?: Record<string, unknown>
}

export interface BenchReport {
  readonly bench: string
  readonly results: readonly TargetResult[]
  /** Extra facts worth printing (not targets). */
  readonly notes?: readonly string[]
}

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results')

export function fmtMs (ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`
}

export function fmtMb (bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MB`
}

function fmtRatio (r: number | undefined): string {
  if (r === undefined || !Number.isFinite(r)) return '–'
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)
}

function rows (results: readonly TargetResult[]): string[][] {
  return results.map(r => [r.bench, r.target, r.goal, r.measured, fmtRatio(r.ratio), r.pass ? 'PASS' : 'FAIL'])
}

const HEAD = ['bench', 'target', 'goal', 'measured', 'ratio', 'result']

export function textTable (results: readonly TargetResult[]): string {
  const all = [HEAD, ...rows(results)]
  const widths = HEAD.map((_, i) => Math.max(...all.map(r => (r[i] ?? '').length)))
  const line = (r: string[]): string => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')
  return [line(HEAD), widths.map(w => '-'.repeat(w)).join('  '), ...rows(results).map(line)].join('\n')
}

export function markdownTable (results: readonly TargetResult[]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|')
  return [
    `| ${HEAD.join(' | ')} |`,
    `| ${HEAD.map(() => '---').join(' | ')} |`,
    ...rows(results).map(r => `| ${r.map(esc).join(' | ')} |`)
  ].join('\n')
}

export function environment (): Record<string, unknown> {
  return { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown' }
}

export async function writeResults (file: string, reports: readonly BenchReport[]): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true })
  const path = join(RESULTS_DIR, file)
  await writeFile(path, JSON.stringify({ at: new Date().toISOString(), environment: environment(), reports }, null, 2) + '\n')
  return path
}

/** Prints one report (a script run alone) and writes bench/results/<bench>.json (BENCH_QUIET=1: only writes). */
export async function printReport (report: BenchReport): Promise<void> {
  const path = await writeResults(`${report.bench}.json`, [report])
  if (process.env.BENCH_QUIET === '1') return
  console.log('')
  console.log(textTable(report.results))
  for (const n of report.notes ?? []) console.log(`  · ${n}`)
  console.log(`\nwritten ${path}`)
}

/** True when the module is the entry point (`npx tsx bench/<name>.ts`). */
export function isMain (metaUrl: string): boolean {
  const entry = process.argv[1]
  if (entry === undefined) return false
  const here = fileURLToPath(metaUrl)
  return here === entry || here.replace(/\.ts$/, '') === entry.replace(/\.ts$/, '')
}

export function log (msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`)
}
