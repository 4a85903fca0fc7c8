/**
 * Bench 3 — warm façade throughput: GET /users?pageSize=100 with bearer auth on the real service holding a
 * 100,000-user snapshot, vs a bare Fastify route answering the same bytes. Both servers run in their own
 * process; autocannon runs here, same connections and duration for both, in the same run.
 *
 *   npx tsx bench/facade-throughput.ts      (env BENCH_USERS, BENCH_DURATION_S, BENCH_CONNECTIONS)
 */
import { fork } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { BENCH_API_TOKEN } from './lib/config.ts'
import { load, type LoadResult } from './lib/load.ts'
import { startRemoteSimulator } from './lib/sim-process.ts'
import { startServiceProcess } from './lib/service-process.ts'
import { fmtMs, isMain, log, printReport, type BenchReport, type TargetResult } from './lib/report.ts'

export interface FacadeThroughputOptions {
  users?: number
  groups?: number
  durationSeconds?: number
  connections?: number
}

async function startBare (bodyFile: string, type: string): Promise<{ url: string, close(): Promise<void> }> {
  const child = fork(fileURLToPath(new URL('./lib/bare-child.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, BENCH_BARE_FILE: bodyFile, BENCH_BARE_TYPE: type },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', m => resolve((m as { url: string }).url))
    child.once('exit', code => reject(new Error(`bare server exited (${code})`)))
  })
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  return {
    url,
    async close () {
      if (child.exitCode === null) { child.send('close'); await exited }
    }
  }
}

/** Two halves of one measurement: request rates averaged, the worse latency percentiles kept, counts summed. */
function combine (runs: readonly LoadResult[]): LoadResult {
  const sum = (f: (r: LoadResult) => number): number => runs.reduce((a, r) => a + f(r), 0)
  return {
    reqPerSec: sum(r => r.reqPerSec) / runs.length,
    p50Ms: Math.max(...runs.map(r => r.p50Ms)),
    p99Ms: Math.max(...runs.map(r => r.p99Ms)),
    totalRequests: sum(r => r.totalRequests),
    ok: sum(r => r.ok),
    non2xx: sum(r => r.non2xx),
    errors: sum(r => r.errors),
    bytesPerSec: sum(r => r.bytesPerSec) / runs.length
  }
}

export async function runFacadeThroughput (opts: FacadeThroughputOptions = {}): Promise<BenchReport> {
  const users = opts.users ?? Number(process.env.BENCH_USERS ?? 100_000)
  const groups = opts.groups ?? Number(process.env.BENCH_GROUPS ?? 2_000)
  const durationSeconds = opts.durationSeconds ?? Number(process.env.BENCH_DURATION_S ?? 10)
  const connections = opts.connections ?? Number(process.env.BENCH_CONNECTIONS ?? 10)
  const results: TargetResult[] = []
  const dir = await mkdtemp(join(tmpdir(), 'bench-facade-'))
  log(`facade-throughput: syncing a ${users}-user snapshot …`)
  const sim = await startRemoteSimulator({ users, groups, seed: 42, latencyMs: 0 })
  const service = await startServiceProcess(sim.url, { DATA_DIR: join(dir, 'data'), ZUORA_MAX_CONCURRENCY: '8' })
  let bare: Awaited<ReturnType<typeof startBare>> | undefined
  try {
    const job = await service.sync()
    if (job.status !== 'succeeded') throw new Error(`sync ${job.status}: ${job.error?.detail}`)
    await sim.close() // the façade never calls Zuora on this path; free the CPU
    const path = '/users?pageSize=100'
    const headers = { authorization: `Bearer ${BENCH_API_TOKEN}` }
    const res = await request(`${service.url}${path}`, { headers })
    const body = Buffer.from(await res.body.arrayBuffer())
    if (res.statusCode !== 200) throw new Error(`GET ${path}: HTTP ${res.statusCode} ${body.toString().slice(0, 300)}`)
    const type = String(res.headers['content-type'] ?? 'application/json; charset=utf-8')
    await writeFile(join(dir, 'body'), body)
    bare = await startBare(join(dir, 'body'), type)

    const warm = Math.min(3, durationSeconds)
    const half = Math.max(1, Math.round(durationSeconds / 2))
    log(`facade-throughput: warm-up ${warm} s each, then bare / service / bare / service, ${half} s each, ${connections} connections`)
    await load({ url: `${bare.url}${path}`, headers, connections, durationSeconds: warm })
    await load({ url: `${service.url}${path}`, headers, connections, durationSeconds: warm })
    // alternated halves: a shared machine's drift hits both sides alike
    const bareRuns: LoadResult[] = []
    const realRuns: LoadResult[] = []
    for (let i = 0; i < 2; i++) {
      bareRuns.push(await load({ url: `${bare.url}${path}`, headers, connections, durationSeconds: half }))
      realRuns.push(await load({ url: `${service.url}${path}`, headers, connections, durationSeconds: half }))
    }
    const bareRun = combine(bareRuns)
    const realRun = combine(realRuns)
    const share = realRun.reqPerSec / bareRun.reqPerSec
    results.push({
      bench: 'facade-throughput',
      target: 'GET /users?pageSize=100 req/s vs bare Fastify',
      goal: '≥ 70 % of bare',
      measured: `${realRun.reqPerSec.toFixed(0)} vs ${bareRun.reqPerSec.toFixed(0)} req/s (${(body.length / 1024).toFixed(0)} KB/answer)`,
      ratio: share,
      pass: share >= 0.7 && realRun.non2xx === 0 && realRun.errors === 0,
      data: { real: realRun, bare: bareRun, bodyBytes: body.length, connections, durationSeconds }
    })
    results.push({
      bench: 'facade-throughput',
      target: 'GET /users?pageSize=100 p99 latency',
      goal: '< 25 ms',
      measured: `${fmtMs(realRun.p99Ms)} (p50 ${fmtMs(realRun.p50Ms)}; bare p99 ${fmtMs(bareRun.p99Ms)})`,
      ratio: realRun.p99Ms / 25,
      pass: realRun.p99Ms < 25,
      data: { p99: realRun.p99Ms, p50: realRun.p50Ms, bareP99: bareRun.p99Ms }
    })
  } finally {
    await bare?.close()
    await service.close()
    await sim.close()
    await rm(dir, { recursive: true, force: true })
  }
  return { bench: 'facade-throughput', results, notes: [`${connections} connections, ${durationSeconds} s per side in two alternated halves (after ${Math.min(3, durationSeconds)} s warm-up), servers in their own processes, autocannon in the bench process; snapshot of ${users} users`] }
}

if (isMain(import.meta.url)) {
  runFacadeThroughput().then(printReport).catch((err) => { console.error(err); process.exitCode = 1 })
}
