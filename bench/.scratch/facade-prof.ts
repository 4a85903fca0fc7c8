import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BENCH_API_TOKEN } from '../lib/config.ts'
import { load } from '../lib/load.ts'
import { startRemoteSimulator } from '../lib/sim-process.ts'
import { startServiceProcess } from '../lib/service-process.ts'
const sim = await startRemoteSimulator({ users: 100000, groups: 2000, seed: 42, latencyMs: 0 })
const service = await startServiceProcess(sim.url, { DATA_DIR: await mkdtemp(join(tmpdir(), 'fp-')), ZUORA_MAX_CONCURRENCY: '8' }, ['--cpu-prof', '--cpu-prof-dir=/tmp/exp/fprof'])
await service.sync(); await sim.close()
const r = await load({ url: `${service.url}/users?pageSize=100`, headers: { authorization: `Bearer ${BENCH_API_TOKEN}` }, connections: 10, durationSeconds: 8 })
console.log(r)
await service.close()
