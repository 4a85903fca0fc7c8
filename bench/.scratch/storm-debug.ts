import { buildSimulator } from '../../src/simulator/index.ts'
import { createZuoraConnection } from '../../src/zuora/connection.ts'
import { configForSimulator } from '../lib/config.ts'
const { app, control } = buildSimulator({ users: 5000, groups: 200, seed: 5, latencyMs: 10 })
const ev: string[] = []
const T0 = Date.now()
app.addHook('onRequest', async (req) => { if (req.url.includes('scim')) { (req as any).arr = Date.now() - T0; (req as any).during = control.counters().requestsDuringRetryAfter } })
app.addHook('onSend', async (req, reply) => { if (req.url.includes('scim')) { const d = control.counters().requestsDuringRetryAfter; ev.push(`${String((req as any).arr).padStart(5)} → ${String(Date.now() - T0).padStart(5)} ${reply.statusCode} ${req.url.slice(14, 40)} ${d > (req as any).during ? 'DURING(count now ' + d + ')' : ''}`) } })
await app.listen({ host: '127.0.0.1', port: 0 })
const url = `http://127.0.0.1:${(app.server.address() as any).port}`
control.set({ faults: { seed: Number(process.argv[2] ?? 9), rate: 0.2, kinds: ['429'] }, retryAfterSeconds: 1 })
const conn = createZuoraConnection(configForSimulator(url, { ZUORA_MAX_CONCURRENCY: '8', ZUORA_MAX_ATTEMPTS: '10' }).zuora)
await conn.readDirectory()
console.log(ev.join('\n'))
console.log(control.counters().requestsDuringRetryAfter)
await conn.close(); await app.close()
