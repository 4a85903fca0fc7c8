import { buildSimulator } from '../../src/simulator/index.ts'
const lat = Number(process.argv[2] ?? 50)
const { app } = buildSimulator({ users: 100000, groups: 2000, seed: 42, latencyMs: 0, logger: false })
app.addHook('onRequest', async (req) => { (req as any).t0 = performance.now() })
app.addHook('onSend', async (req) => {
  const left = (req as any).t0 + lat - performance.now()
  if (left > 0) await new Promise(r => setTimeout(r, left))
})
await app.listen({ host: '127.0.0.1', port: 18777 })
console.log('listening')
