/**
 * Bench — crash: 12 SIGKILLs spread over a 30,000-user sync, each followed by a restart that must serve a whole
 * snapshot from DATA_DIR (the previous one or the new one: the user count tells them apart, each sync seeing one
 * user more than the one before) and leave no temp file behind.
 *
 * A first sync measures how long reading takes and how long the snapshot file takes to write; 8 kills then fall
 * at 1/9 … 8/9 of the read, and 4 at the later moments: building, the start of the write, half-way through the
 * write, right after the rename. Each restart runs with a wrong client secret, so its own sync fails and what it
 * serves can only come from disk. The service runs compiled (`npm start`), the simulator in its own process.
 *
 *   npx tsx bench/crash.ts            (env BENCH_USERS, BENCH_GROUPS to scale)
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BENCH_API_TOKEN, simulatorEnv } from './lib/config.ts'
import { fmtMs, isMain, log, printReport, type BenchReport, type TargetResult } from './lib/report.ts'
import { startRemoteSimulator } from './lib/sim-process.ts'
import { buildDist, servedSnapshot, spawnService } from './lib/spawned-service.ts'
import type { SpawnedService } from './lib/spawned-service.ts'

const KILLS = 12

const READING = /"phase":"reading","msg":"sync phase"/
const BUILDING = /"phase":"building","msg":"sync phase"/
const WRITING = /"msg":"writing a snapshot file"/
const RENAMED = /"msg":"snapshot file renamed into place"/
const SUCCEEDED = /"msg":"sync succeeded; snapshot published"/

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
const tempFiles = async (dir: string): Promise<number> => (await readdir(dir)).filter((n) => n.endsWith('.tmp')).length

/** Milliseconds between the first log line matching `from` and the first matching `to` (pino's "time"). */
function logGap (output: string, from: RegExp, to: RegExp): number {
  const at = (re: RegExp): number => Number(/"time":(\d+)/.exec(output.split('\n').find((l) => re.test(l)) ?? '')?.[1])
  return at(to) - at(from)
}

export async function runCrash (): Promise<BenchReport> {
  const users = Number(process.env.BENCH_USERS ?? 30_000)
  const groups = Number(process.env.BENCH_GROUPS ?? 600)
  buildDist()
  const sim = await startRemoteSimulator({ users, groups, seed: 7, latencyMs: 20 })
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-crash-'))
  const children: SpawnedService[] = []
  const start = (env: Record<string, string> = {}): SpawnedService => {
    const s = spawnService(simulatorEnv(sim.url, { DATA_DIR: dataDir, LOG_LEVEL: 'debug', ZUORA_MAX_CONCURRENCY: '8', ...env }), { compiled: true })
    children.push(s)
    return s
  }
  const kill = async (s: SpawnedService): Promise<void> => { s.child.kill('SIGKILL'); await s.exited }
  try {
    log(`crash: first sync of ${users} users …`)
    const first = start()
    await first.waitFor(SUCCEEDED)
    const readMs = logGap(first.output(), READING, BUILDING)
    const writeMs = logGap(first.output(), WRITING, RENAMED)
    let before = await servedSnapshot(await first.url, BENCH_API_TOKEN)
    await kill(first)
    log(`crash: read ${fmtMs(readMs)}, write ${fmtMs(writeMs)}`)

    const moments: Array<{ name: string, after: RegExp, delayMs: number }> = [
      ...Array.from({ length: 8 }, (_, i) => ({ name: `reading ${i + 1}/9`, after: READING, delayMs: Math.round(readMs * (i + 1) / 9) })),
      { name: 'building', after: BUILDING, delayMs: 0 },
      { name: 'writing (start)', after: WRITING, delayMs: 0 },
      { name: 'writing (half-way)', after: WRITING, delayMs: Math.round(writeMs / 2) },
      { name: 'right after the rename', after: RENAMED, delayMs: 0 }
    ]
    let orgUsers = users
    let whole = 0
    let tempsLeftByKills = 0
    let tempsAfterRestarts = 0
    const outcomes: string[] = []
    for (const moment of moments.slice(0, KILLS)) {
      await fetch(`${sim.url}/_sim/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
      orgUsers++
      const victim = start()
      await victim.waitFor(moment.after)
      if (moment.delayMs > 0) await sleep(moment.delayMs)
      await kill(victim)
      const left = await tempFiles(dataDir)
      tempsLeftByKills += left

      const restarted = start({ ZUORA_OAUTH_CLIENT_SECRET: 'not-the-secret', LOG_LEVEL: 'info' })
      let outcome: string
      try {
        const now = await servedSnapshot(await restarted.url, BENCH_API_TOKEN)
        const fromDisk = !SUCCEEDED.test(restarted.output())
        const ok = fromDisk && (now.syncId === before.syncId ? now.users === before.users : now.syncId > before.syncId && now.users === orgUsers)
        if (ok) whole++
        outcome = `${now.syncId === before.syncId ? 'previous' : 'new'}${ok ? '' : ` NOT WHOLE (${now.users} users)`}`
        before = now
      } catch (err) {
        outcome = `not served: ${(err as Error).message}`
      }
      const after = await tempFiles(dataDir)
      tempsAfterRestarts += after
      await kill(restarted)
      outcomes.push(`${moment.name} → ${outcome}${left > 0 ? ` (${left} temp file left, removed)` : ''}`)
      log(`crash: killed ${moment.name}: restart serves the ${outcome}; temp files ${left} → ${after}`)
    }
    const results: TargetResult[] = [{
      bench: 'crash',
      target: `restarts serving a whole snapshot after SIGKILLs over a ${users / 1000}k-user sync`,
      goal: `${KILLS}/${KILLS}`,
      measured: `${whole}/${KILLS} (${outcomes.filter((o) => o.includes('→ new')).length} new, ${outcomes.filter((o) => o.includes('→ previous')).length} previous)`,
      ratio: whole / KILLS,
      pass: whole === KILLS,
      data: { outcomes, readMs, writeMs }
    }, {
      bench: 'crash',
      target: 'stale temp files after the restarts',
      goal: '0',
      measured: `${tempsAfterRestarts} (the kills left ${tempsLeftByKills})`,
      pass: tempsAfterRestarts === 0
    }]
    return { bench: 'crash', results, notes: outcomes }
  } finally {
    for (const c of children) c.child.kill('SIGKILL')
    await sim.close()
    await rm(dataDir, { recursive: true, force: true })
  }
}

if (isMain(import.meta.url)) {
  runCrash().then(printReport).catch((err) => { console.error(err); process.exitCode = 1 })
}
