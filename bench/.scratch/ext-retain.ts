import { writeHeapSnapshot } from 'node:v8'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '../../src/app.ts'
import { configForSimulator } from '../lib/config.ts'
import { startRemoteSimulator } from '../lib/sim-process.ts'
const gc = (globalThis as any).gc as () => void
const mb = (n: number) => (n / 1048576).toFixed(0) + ' MB'
const m = (l: string) => { gc(); const u = process.memoryUsage(); console.log(l.padEnd(20), 'heap', mb(u.heapUsed), 'ext', mb(u.external), 'ab', mb(u.arrayBuffers), 'rss', mb(u.rss)) }
const sim = await startRemoteSimulator({ users: 100000, groups: 2000, seed: 42, latencyMs: 0 })
const app = await buildApp({ config: configForSimulator(sim.url, { DATA_DIR: await mkdtemp(join(tmpdir(), 'er-')), ZUORA_MAX_CONCURRENCY: '8' }), startSync: false })
await app.ready()
m('idle')
app.syncEngine.trigger('api'); await app.syncEngine.whenIdle()
console.log(app.syncEngine.lastFinished()?.status)
m('after sync')
await new Promise(r => setTimeout(r, 1000))
m('after 1 s')
if (process.argv[2] === 'snap') console.log(writeHeapSnapshot('/tmp/exp/after.heapsnapshot'))
await app.close(); await sim.close()
