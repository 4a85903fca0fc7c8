/**
 * `npm run bench`: every benchmark in turn, one table (target, measured value, ratio, pass/fail), the same
 * table as Markdown for the README, and bench/results/latest.json. Exit code 1 if any target failed.
 *
 *   npm run bench                     all of them (≈ 3 minutes: the sequential peer alone takes ≈ 55 s)
 *   npm run bench -- token-storm memory   only those
 */
import { runSyncVsLimit } from './sync-vs-limit.ts'
import { runMemory } from './memory.ts'
import { runFacadeThroughput } from './facade-throughput.ts'
import { runTokenStorm } from './token-storm.ts'
import { runRateLimit } from './rate-limit.ts'
import { log, markdownTable, textTable, writeResults, type BenchReport, type TargetResult } from './lib/report.ts'

const BENCHES: Record<string, () => Promise<BenchReport>> = {
  'sync-vs-limit': () => runSyncVsLimit(),
  memory: () => runMemory(),
  'facade-throughput': () => runFacadeThroughput(),
  'token-storm': () => runTokenStorm(),
  'rate-limit': () => runRateLimit()
}

async function main (): Promise<void> {
  const wanted = process.argv.slice(2).filter(a => !a.startsWith('-'))
  const unknown = wanted.filter(w => !(w in BENCHES))
  if (unknown.length > 0) throw new Error(`unknown bench: ${unknown.join(', ')} (known: ${Object.keys(BENCHES).join(', ')})`)
  const names = wanted.length > 0 ? wanted : Object.keys(BENCHES)
  const reports: BenchReport[] = []
  const rows: TargetResult[] = []
  for (const name of names) {
    log(`── ${name}`)
    const started = performance.now()
    try {
      const report = await (BENCHES[name] as () => Promise<BenchReport>)()
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
  const failed = rows.filter(r => !r.pass)
  if (failed.length > 0) {
    console.log(`\n${failed.length} target(s) missed: ${failed.map(f => `${f.bench}/${f.target}`).join('; ')}`)
    process.exitCode = 1
  }
}

main().catch((err) => { console.error(err); process.exitCode = 1 })
