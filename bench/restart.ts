/**
 * Bench — restart: how fast a restarted service serves its saved snapshot, and how much memory the load takes.
 *
 * DATA_DIR holds a 100,000-user / 2,000-group snapshot as current and another as previous (generated here, with
 * the source digest of the service's configuration). The service is spawned as `npm start` runs it (compiled JS,
 * production Node flags; `npm run build` first), against a simulator of the same size in its own process, so the
 * start-up sync reads Zuora while the snapshots load, as in a real restart.
 *   - spawn → first 200 on GET /users?pageSize=100, against the baseline: a bare `node -e` spawned the same way
 *     that streams the same NDJSON file (JSON.parse per line, nothing else) and then answers the same request;
 *   - peak RSS from spawn until the previous snapshot is held too (sampled every 10 ms, and the kernel's VmHWM);
 *   - spawn → listening with an empty DATA_DIR, compiled and through tsx (notes).
 *
 *   npx tsx bench/restart.ts            (env BENCH_USERS, BENCH_GROUPS to scale)
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BENCH_API_TOKEN, configForSimulator, simulatorEnv } from './lib/config.ts'
import { fmtMb, fmtMs, isMain, log, printReport, type BenchReport, type TargetResult } from './lib/report.ts'
import { procMemory, sampleRss, SERVICE_NODE_FLAGS } from './lib/service-process.ts'
import { buildDist, spawnService } from './lib/spawned-service.ts'
import { startRemoteSimulator } from './lib/sim-process.ts'
import { normaliseGroup, normaliseUser } from '#src/zuora/normalise.ts'
import type { Directory } from '#src/directory/types.ts'
import { snapshotSource } from '#src/plugins/sync.ts'
import { generateOrg } from '#simulator/index.ts'
import { renderGroup, renderUser } from '#simulator/scim-shapes.ts'
import { createFileSnapshotStore } from '#src/sync/file-snapshot-store.ts'
import { buildDirectory } from '#src/sync/snapshot-build.ts'
import { newSyncId } from '#src/sync/sync-id.ts'
import type { PersistedSnapshot } from '#src/sync/types.ts'
import type { ScimGroup, ScimUser } from '#src/zuora/scim-schemas.ts'

const LIMIT_MS = 2000
const LIMIT_RATIO = 4
const LIMIT_RSS = 400 * 1024 * 1024

/** Writes a current and a previous snapshot of the seeded org into `dataDir`. */
export async function seedDataDir (dataDir: string, simUrl: string, users: number, groups: number): Promise<void> {
  const org = generateOrg({ users, groups, seed: 42 })
  const ctx = { organizationId: org.organizationId, locationBase: simUrl }
  const { directory, findings } = buildDirectory({
    users: org.users.map((u) => normaliseUser(renderUser(u, ctx) as unknown as ScimUser)),
    groups: org.groups.map((g) => normaliseGroup(renderGroup(g, ctx) as unknown as ScimGroup))
  })
  const config = configForSimulator(simUrl)
  const store = createFileSnapshotStore(dataDir)
  const now = Date.now()
  for (const at of [now - 3_600_000, now - 1000]) {
    const persisted: PersistedSnapshot = {
      format: 'zuora-c1-snapshot',
      version: 1,
      meta: { syncId: newSyncId(at), snapshotAt: new Date(Math.floor(at / 1000) * 1000).toISOString().replace('.000Z', 'Z'), tenant: new URL(simUrl).host, connectorVersion: 'bench', source: snapshotSource(config.zuora) },
      directory: directory as Directory,
      findings
    }
    await store.save(persisted)
  }
}

/** spawn → first 200 on GET /users?pageSize=100 at `url()` (polled every 5 ms once the URL is known). */
async function firstOk (url: Promise<string>, started: number): Promise<number> {
  const base = await url
  for (;;) {
    try {
      const res = await fetch(`${base}/users?pageSize=100`, { headers: { authorization: `Bearer ${BENCH_API_TOKEN}` } })
      await res.arrayBuffer()
      if (res.status === 200) return performance.now() - started
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** The baseline: plain Node streams the NDJSON file, parses each line, then answers the first 100 users. */
const BARE = `
const fs = require('node:fs'), rl = require('node:readline'), http = require('node:http');
const users = []; let n = 0, header;
rl.createInterface({ input: fs.createReadStream(process.env.BARE_FILE, { highWaterMark: 1 << 20 }) })
  .on('line', (l) => { const v = JSON.parse(l); if (n++ === 0) header = v; else users.push(v) })
  .on('close', () => {
    http.createServer((q, s) => s.end(JSON.stringify({ list: users.slice(0, 100) })))
      .listen(0, '127.0.0.1', function () { console.log('listening http://127.0.0.1:' + this.address().port) })
  })`

async function bareNode (file: string): Promise<{ ms: number, peak: number }> {
  const started = performance.now()
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, '-e', BARE], { env: { PATH: process.env.PATH, BARE_FILE: file }, stdio: ['ignore', 'pipe', 'inherit'] })
  const sampler = sampleRss(child.pid as number, 10)
  const url = new Promise<string>((resolve) => {
    let out = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); const m = /listening (\S+)/.exec(out); if (m !== null) resolve(m[1] as string) })
  })
  const ms = await firstOk(url, started)
  const { peak } = await sampler.stop()
  child.kill('SIGKILL')
  return { ms, peak }
}

/** spawn → "Server listening" with an empty DATA_DIR and an unreachable Zuora. */
async function listenTime (compiled: boolean, simUrl: string): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-listen-'))
  const started = performance.now()
  const service = spawnService(simulatorEnv(simUrl, { DATA_DIR: dataDir, LOG_LEVEL: 'info', ZUORA_OAUTH_CLIENT_SECRET: 'not-the-secret' }), { compiled })
  await service.url
  const ms = performance.now() - started
  service.child.kill('SIGKILL')
  await service.exited
  await rm(dataDir, { recursive: true, force: true })
  return ms
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

export async function runRestart (): Promise<BenchReport> {
  const users = Number(process.env.BENCH_USERS ?? 100_000)
  const groups = Number(process.env.BENCH_GROUPS ?? 2_000)
  const results: TargetResult[] = []
  const notes: string[] = []
  log('restart: npm run build …')
  buildDist()
  const sim = await startRemoteSimulator({ users, groups, seed: 42, latencyMs: 50 })
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-restart-'))
  try {
    log(`restart: writing two ${users}-user snapshots …`)
    await seedDataDir(dataDir, sim.url, users, groups)
    const files = (await readdir(dataDir)).sort()
    const file = join(dataDir, files[files.length - 1] as string)

    const runs: Array<{ ms: number, peak: number, hwm: number, previousMs: number }> = []
    const bares: Array<{ ms: number, peak: number }> = []
    for (let i = 0; i < 3; i++) {
      bares.push(await bareNode(file))
      log(`restart: run ${i + 1}/3 …`)
      const started = performance.now()
      const service = spawnService(simulatorEnv(sim.url, { DATA_DIR: dataDir, LOG_LEVEL: 'info', ZUORA_MAX_CONCURRENCY: '8' }), { compiled: true })
      const sampler = sampleRss(service.child.pid as number, 10)
      const ms = await firstOk(service.url, started)
      await service.waitFor(/restored the previous snapshot/)
      const previousMs = performance.now() - started
      const { peak } = await sampler.stop()
      const { hwm } = await procMemory(service.child.pid as number)
      service.child.kill('SIGKILL')
      await service.exited
      runs.push({ ms, peak, hwm, previousMs })
      // the killed start-up sync may have left a temp file: the next start removes it (only the two snapshots stay)
    }
    const ms = median(runs.map((r) => r.ms))
    const bare = median(bares.map((b) => b.ms))
    const peak = Math.max(...runs.map((r) => Math.max(r.peak, r.hwm)))
    results.push({
      bench: 'restart',
      target: `spawn → first 200 (${users / 1000}k users, current + previous on disk)`,
      goal: `≤ ${fmtMs(LIMIT_MS)} and ≤ ${LIMIT_RATIO}× bare node`,
      measured: `${fmtMs(ms)} (bare node streaming the same file ${fmtMs(bare)}: ${(ms / bare).toFixed(2)}×)`,
      ratio: Math.max(ms / LIMIT_MS, ms / bare / LIMIT_RATIO),
      pass: ms <= LIMIT_MS && ms / bare <= LIMIT_RATIO,
      data: { runs, bares, users, groups }
    })
    results.push({
      bench: 'restart',
      target: 'peak RSS from spawn until both snapshots are held',
      goal: `≤ ${fmtMb(LIMIT_RSS)}`,
      measured: `${fmtMb(peak)} (bare node ${fmtMb(Math.max(...bares.map((b) => b.peak)))})`,
      ratio: peak / LIMIT_RSS,
      pass: peak <= LIMIT_RSS
    })
    notes.push(`previous snapshot held ${fmtMs(median(runs.map((r) => r.previousMs)))} after spawn (loaded in the background)`)
    const compiled = median([await listenTime(true, sim.url), await listenTime(true, sim.url), await listenTime(true, sim.url)])
    const tsx = median([await listenTime(false, sim.url), await listenTime(false, sim.url), await listenTime(false, sim.url)])
    results.push({
      bench: 'restart',
      target: 'spawn → listening, empty DATA_DIR',
      goal: '< 1 s',
      measured: `${fmtMs(compiled)} compiled (npm start; through tsx ${fmtMs(tsx)})`,
      ratio: compiled / 1000,
      pass: compiled < 1000,
      data: { compiled, tsx }
    })
  } finally {
    await sim.close()
    await rm(dataDir, { recursive: true, force: true })
  }
  return { bench: 'restart', results, notes }
}

if (isMain(import.meta.url)) {
  runRestart().then(printReport).catch((err) => { console.error(err); process.exitCode = 1 })
}
