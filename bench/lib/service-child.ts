/**
 * Child-process entry: the real service (buildApp) against a simulator, configured by BENCH_SERVICE_ENV (JSON
 * env overrides) and BENCH_SIM_URL. Sends `{ url }` when listening; IPC commands:
 *   'sync'   → triggers a sync; sends `{ phase, at }` (epoch ms) at every phase change and `{ job }` at the end
 *   'memory' → answers `{ memory: process.memoryUsage() }` (after a full GC when run with --expose-gc)
 *   'close'  → closes the app and exits.
 * Start-up sync off: the parent decides when to sync, so it can measure that phase alone.
 */
import { buildApp } from '#src/app.ts'
import { configForSimulator } from './config.ts'

const env = JSON.parse(process.env.BENCH_SERVICE_ENV ?? '{}') as Record<string, string>
const simUrl = process.env.BENCH_SIM_URL
if (simUrl === undefined) throw new Error('BENCH_SIM_URL is required')
const config = configForSimulator(simUrl, env)
const app = await buildApp({ config, startSync: false })
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.send?.({ url })

let lastPhase = ''
app.syncEngine.subscribe((_event, job) => {
  if (job.progress.phase !== lastPhase) {
    lastPhase = job.progress.phase
    process.send?.({ phase: lastPhase, at: Date.now() })
  }
})

process.on('message', (msg: unknown) => {
  if (msg === 'sync') {
    lastPhase = ''
    const job = app.syncEngine.trigger('api')
    app.syncEngine.whenIdle().then(() => {
      process.send?.({ job: app.syncEngine.job(job.id) })
    }, (err: unknown) => { process.send?.({ error: String(err) }) })
  } else if (msg === 'memory') {
    (globalThis as { gc?: () => void }).gc?.()
    process.send?.({ memory: process.memoryUsage() })
  } else if (msg === 'close') {
    app.close().then(() => process.exit(0), () => process.exit(1))
  }
})
process.on('disconnect', () => { app.close().finally(() => process.exit(0)) })
