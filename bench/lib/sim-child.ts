/**
 * Child-process entry: a simulator with the options in BENCH_SIM_OPTIONS (JSON); sends `{ url }` to the parent
 * over IPC. Control goes through the simulator's /_sim routes. Exits on 'close'.
 *
 * BENCH_SIM_LATENCY_MODEL:
 *  - 'simulator' (default): the simulator's own `latencyMs` — it sleeps, THEN renders the page. Renders are
 *    serialised on its one thread (≈ 2.5 ms per 100-user page), so 8 concurrent requests take ≈ 50 + 8 × 2.5 ms
 *    per round and, once clustered, stay clustered: no client can reach ceil(n / 8) × 50 ms against it.
 *  - 'arrival': the answer leaves `latencyMs` after the request ARRIVED (render included), the way a remote
 *    service with parallel capacity behaves. The simulator runs with latencyMs 0 and an onSend hook holds
 *    each answer until arrival + latency. /_sim control routes are never delayed.
 */
import { buildSimulator, startSimulator, type SimulatorOptions } from '../../src/simulator/index.ts'

const options = JSON.parse(process.env.BENCH_SIM_OPTIONS ?? '{}') as SimulatorOptions
const model = process.env.BENCH_SIM_LATENCY_MODEL ?? 'simulator'

async function start (): Promise<{ url: string, close(): Promise<void> }> {
  if (model !== 'arrival') return await startSimulator({ ...options, logger: false })
  const latencyMs = options.latencyMs ?? 0
  const { app } = buildSimulator({ ...options, latencyMs: 0, logger: false })
  const arrivals = new WeakMap<object, number>()
  app.addHook('onRequest', async (req) => { arrivals.set(req, performance.now()) })
  app.addHook('onSend', async (req) => {
    if (req.url.startsWith('/_sim/')) return
    const left = (arrivals.get(req) ?? performance.now()) + latencyMs - performance.now()
    if (left > 0) await new Promise(resolve => setTimeout(resolve, left))
  })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  return { url, close: () => app.close() }
}

const sim = await start()
process.send?.({ url: sim.url })
process.on('message', (msg: unknown) => {
  if (msg === 'close') sim.close().then(() => process.exit(0), () => process.exit(1))
})
process.on('disconnect', () => { sim.close().finally(() => process.exit(0)) })
