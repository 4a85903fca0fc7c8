/**
 * `npm run bench`: every benchmark in turn, each in its own process, one table (target, measured value, ratio, pass/fail), the same
 * table as Markdown for the README, and bench/results/latest.json. Exit code 1 if any target failed.
 *
 *   npm run bench                          all of them (≈ 4 minutes: the sequential peer alone takes ≈ 55 s)
 *   npm run bench -- token-storm memory    only those
 *   npm run bench -- --readme              also replace the table under <!-- bench-table --> in README.md
 */
import { spawn } from 'node:child_process'
import { readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { SERVICE_NODE_FLAGS } from './lib/service-process.ts'
import { environment, log, markdownTable, RESULTS_DIR, textTable, writeResults, type BenchReport, type TargetResult } from './lib/report.ts'

/** Each runs in its own process (`node <service flags> --import tsx bench/<name>.ts`): no garbage or timers of one bench stall the next. */
const BENCHES = ['sync-vs-limit', 'memory', 'facade-throughput', 'serving-during-sync', 'token-storm', 'rate-limit', 'restart', 'crash'] as const
const HERE = dirname(fileURLToPath(import.meta.url))

async function runAlone (name: string): Promise<BenchReport> {
  const file = join(RESULTS_DIR, `${name}.json`)
  await rm(file, { force: true })
  const code = await new Promise<number | null>((resolve, reject) => {
    // With the service's production Node flags, so in-process reads are measured as the service runs them.
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '--import', 'tsx', join(HERE, `${name}.ts`)], {
      env: { ...process.env, BENCH_QUIET: '1' },
      stdio: ['ignore', 'inherit', 'inherit']
    })
    child.once('error', reject)
    child.once('exit', resolve)
  })
  let saved: { reports?: BenchReport[] }
  try {
    saved = JSON.parse(await readFile(file, 'utf8')) as { reports?: BenchReport[] }
  } catch {
    throw new Error(`bench/${name}.ts exited with ${code} and wrote no results`)
  }
  const report = saved.reports?.[0]
  if (report === undefined) throw new Error(`bench/${name}.ts wrote an empty result file`)
  return report
}

const README = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md')
const START = '<!-- bench-table -->'
const END = '<!-- /bench-table -->'

/** The README block: when and where, the table, how to rerun. */
function readmeBlock (rows: readonly TargetResult[]): string {
  const env = environment()
  return [
    START,
    `Measured ${new Date().toISOString().slice(0, 10)} on ${String(env.cpus)} cores (${String(env.cpu)}), Node ${String(env.node)}; ` +
      'ratios are taken inside one run (the machine is shared, absolute times drift). Details: [bench/RESULTS.md](bench/RESULTS.md).',
    '',
    markdownTable(rows),
    '',
    'Rerun: `npm run bench` (all, ≈ 4 min; prints this table) or one script alone, e.g. `npx tsx bench/sync-vs-limit.ts`; ' +
      '`npm run bench -- --readme` rewrites this table.',
    END
  ].join('\n')
}

async function updateReadme (rows: readonly TargetResult[]): Promise<void> {
  const text = await readFile(README, 'utf8')
  const start = text.indexOf(START)
  if (start < 0) throw new Error(`README.md has no ${START} marker`)
  const end = text.indexOf(END, start)
  // first run: the marker is followed by a placeholder paragraph, replaced up to the next heading
  const stop = end >= 0 ? end + END.length : (() => { const h = text.indexOf('\n## ', start); return h >= 0 ? h : text.length })()
  const tail = text.slice(stop).replace(/^\n*/, '\n\n')
  await writeFile(README, text.slice(0, start) + readmeBlock(rows) + tail)
  log(`README.md: table under ${START} replaced`)
}

async function main (): Promise<void> {
  const wanted = process.argv.slice(2).filter(a => !a.startsWith('-'))
  const known: readonly string[] = BENCHES
  const unknown = wanted.filter(w => !known.includes(w))
  if (unknown.length > 0) throw new Error(`unknown bench: ${unknown.join(', ')} (known: ${known.join(', ')})`)
  const names = wanted.length > 0 ? wanted : [...BENCHES]
  const reports: BenchReport[] = []
  const rows: TargetResult[] = []
  for (const name of names) {
    log(`── ${name}`)
    const started = performance.now()
    try {
      const report = await runAlone(name)
      reports.push(report)
      rows.push(...report.results)
    } catch (err) {
      const message = (err as Error).message
      log(`${name} failed: ${(err as Error).stack ?? message}`)
      const failed: TargetResult = { bench: name, target: 'benchmark ran', goal: 'completes', measured: `error: ${message}`, pass: false }
      reports.push({ bench: name, results: [failed] })
      rows.push(failed)
    }
    log(`${name} took ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  console.log('')
  console.log(textTable(rows))
  for (const r of reports) for (const n of r.notes ?? []) console.log(`  · ${r.bench}: ${n}`)
  console.log('\nMarkdown (README "Performance"):\n')
  console.log(markdownTable(rows))
  const path = await writeResults('latest.json', reports)
  console.log(`\nwritten ${path}`)
  if (process.argv.includes('--readme')) await updateReadme(rows)
  const failed = rows.filter(r => !r.pass)
  if (failed.length > 0) {
    console.log(`\n${failed.length} target(s) missed: ${failed.map(f => `${f.bench}/${f.target}`).join('; ')}`)
    process.exitCode = 1
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1 })
