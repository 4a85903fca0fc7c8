/**
 * Bench 2 — memory: the service runs in its own process (bench/lib/service-child.ts) against a simulator in
 * another; its RSS is sampled from /proc/<pid>/status every 10 ms, and VmHWM (the kernel's peak) read at the end.
 * Phase 1: a full sync (100,000 users, 2,000 groups, 50 ms/request, concurrency 8, persist to a temp DATA_DIR).
 * Phase 2: GET /sync streamed as NDJSON (Accept: application/x-ndjson); first-byte time measured from just
 * before the request is sent to the first body chunk.
 *
 *   npx tsx bench/memory.ts            (env BENCH_USERS, BENCH_GROUPS, BENCH_LATENCY_MS to scale)
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'undici'
import { BENCH_API_TOKEN } from './lib/config.ts'
import { startRemoteSimulator } from './lib/sim-process.ts'
import { peaksByPhase, procMemory, sampleRss, startServiceProcess } from './lib/service-process.ts'
import { fmtMb, fmtMs, isMain, log, printReport, type BenchReport, type TargetResult } from './lib/report.ts'

const LIMIT = 400 * 1024 * 1024

export interface MemoryOptions {
  users?: number
  groups?: number
  latencyMs?: number
}

export async function runMemory (opts: MemoryOptions = {}): Promise<BenchReport> {
  const users = opts.users ?? Number(process.env.BENCH_USERS ?? 100_000)
  const groups = opts.groups ?? Number(process.env.BENCH_GROUPS ?? 2_000)
  const latencyMs = opts.latencyMs ?? Number(process.env.BENCH_LATENCY_MS ?? 50)
  const results: TargetResult[] = []
  const notes: string[] = []
  const dataDir = await mkdtemp(join(tmpdir(), 'bench-mem-'))
  log(`memory: simulator ${users} users / ${groups} groups, ${latencyMs} ms`)
  const sim = await startRemoteSimulator({ users, groups, seed: 42, latencyMs })
  // --expose-gc only serves the 'memory' command (retained heap), called when idle and at the very end
  const service = await startServiceProcess(sim.url, { DATA_DIR: dataDir, ZUORA_MAX_CONCURRENCY: '8' }, ['--expose-gc'])
  try {
    const idleHeap = await service.memory()
    const idle = await procMemory(service.pid)
    notes.push(`service when idle (no snapshot): RSS ${fmtMb(idle.rss)}, heap used ${fmtMb(idleHeap.heapUsed)}`)

    log('memory: sync …')
    const syncSampler = sampleRss(service.pid, 10)
    const t0 = performance.now()
    const job = await service.sync()
    const syncMs = performance.now() - t0
    const syncEnd = Date.now()
    const syncPeak = await syncSampler.stop()
    if (job.status !== 'succeeded') throw new Error(`sync ${job.status}: ${job.error?.detail}`)
    const afterSync = await procMemory(service.pid)
    const byPhase = peaksByPhase(syncPeak.series, job.phaseStarts, syncEnd)
    const phaseAt = Object.fromEntries(job.phaseStarts.map(p => [p.phase, p.at]))
    notes.push(`peak RSS by sync phase: ${Object.entries(byPhase).map(([p, b]) => `${p} ${fmtMb(b)}`).join(', ')}`)
    if (phaseAt.building !== undefined && phaseAt.persisting !== undefined) {
      notes.push(`sync phases: read ${fmtMs(phaseAt.building - (phaseAt.token ?? phaseAt.building))}, build ${fmtMs(phaseAt.persisting - phaseAt.building)}, persist ${fmtMs((phaseAt.finished ?? syncEnd) - phaseAt.persisting)}`)
    }
    results.push({
      bench: 'memory',
      target: 'peak RSS during a full sync',
      goal: `≤ ${fmtMb(LIMIT)}`,
      measured: `${fmtMb(Math.max(syncPeak.peak, afterSync.hwm))} (sampled peak ${fmtMb(syncPeak.peak)}, VmHWM ${fmtMb(afterSync.hwm)}; sync ${fmtMs(syncMs)})`,
      ratio: Math.max(syncPeak.peak, afterSync.hwm) / LIMIT,
      pass: Math.max(syncPeak.peak, afterSync.hwm) <= LIMIT,
      data: { sampledPeak: syncPeak.peak, samples: syncPeak.samples, vmHwm: afterSync.hwm, syncMs, idleRss: idle.rss, byPhase }
    })
    notes.push(`service RSS holding the snapshot after the sync: ${fmtMb(afterSync.rss)}`)

    log('memory: NDJSON stream …')
    const beforeStream = await procMemory(service.pid)
    const streamSampler = sampleRss(service.pid, 10)
    const t1 = performance.now()
    const res = await request(`${service.url}/sync`, {
      headers: { authorization: `Bearer ${BENCH_API_TOKEN}`, accept: 'application/x-ndjson' }
    })
    const headersMs = performance.now() - t1
    let firstByteMs = -1
    let bytes = 0
    let lines = 0
    for await (const chunk of res.body) {
      if (firstByteMs < 0) firstByteMs = performance.now() - t1
      const buf = chunk as Buffer
      bytes += buf.length
      for (let i = buf.indexOf(10); i !== -1; i = buf.indexOf(10, i + 1)) lines++
    }
    const streamMs = performance.now() - t1
    const streamPeak = await streamSampler.stop()
    const end = await procMemory(service.pid)
    const retained = await service.memory()
    notes.push(`after a forced GC at the end: heap used ${fmtMb(retained.heapUsed)} of ${fmtMb(retained.heapTotal)} (snapshot held), external ${fmtMb(retained.external)}, RSS ${fmtMb(retained.rss)}`)
    if (res.statusCode !== 200) throw new Error(`GET /sync (ndjson): HTTP ${res.statusCode}`)
    results.push({
      bench: 'memory',
      target: 'peak RSS while streaming /sync NDJSON',
      goal: `≤ ${fmtMb(LIMIT)}`,
      measured: `${fmtMb(streamPeak.peak)} (+${fmtMb(Math.max(0, streamPeak.peak - beforeStream.rss))} over the RSS at the request; ${lines} lines, ${fmtMb(bytes)} in ${fmtMs(streamMs)})`,
      ratio: streamPeak.peak / LIMIT,
      pass: streamPeak.peak <= LIMIT,
      data: { sampledPeak: streamPeak.peak, samples: streamPeak.samples, rssAtRequest: beforeStream.rss, vmHwm: end.hwm, lines, bytes, streamMs }
    })
    results.push({
      bench: 'memory',
      target: 'NDJSON first byte',
      goal: '< 100 ms',
      measured: `${fmtMs(firstByteMs)} (headers ${fmtMs(headersMs)})`,
      ratio: firstByteMs / 100,
      pass: firstByteMs >= 0 && firstByteMs < 100,
      data: { firstByteMs, headersMs }
    })
  } finally {
    await service.close()
    await sim.close()
    await rm(dataDir, { recursive: true, force: true })
  }
  return { bench: 'memory', results, notes }
}

if (isMain(import.meta.url)) {
  runMemory().then(printReport).catch((err) => { console.error(err); process.exitCode = 1 })
}
