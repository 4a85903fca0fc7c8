import { createZuoraConnection } from '../../src/zuora/connection.ts'
import { configForSimulator } from '../lib/config.ts'
import { startRemoteSimulator } from '../lib/sim-process.ts'
const sim = await startRemoteSimulator({ users: 100000, groups: 2000, seed: 42, latencyMs: 50 }, 'arrival')
for (let i = 0; i < 2; i++) {
  const conn = createZuoraConnection(configForSimulator(sim.url, { ZUORA_MAX_CONCURRENCY: '8' }).zuora)
  const cpu0 = process.cpuUsage(); const t0 = performance.now()
  const r = await conn.readDirectory()
  const cpu = process.cpuUsage(cpu0)
  console.log(`read ${(performance.now() - t0).toFixed(0)} ms, client cpu user ${(cpu.user / 1000).toFixed(0)} ms sys ${(cpu.system / 1000).toFixed(0)} ms, ${r.users.length}`)
  await conn.close()
}
await sim.close()
