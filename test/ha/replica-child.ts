/**
 * One replica in its own process (not a test file), for the SIGKILL test and bench/ha-replicas.ts: DATABASE_URL and
 * the simulator's URL come from the environment; over IPC it reports its URL once listening, its role every 100 ms
 * and each snapshot it starts serving (with Date.now()), and it can be killed without a goodbye.
 */
import { startTestApp } from '../helper.ts'

const send = (message: object): void => { if (process.connected) process.send?.(message) }
// A message racing the parent's exit fails with EPIPE: the parent no longer listens, nothing to report.
process.on('error', () => {})
const app = await startTestApp({ env: { ZUORA_TENANT_BASE_URL: process.env.HA_SIM_URL, DATABASE_URL: process.env.HA_DATABASE_URL, SYNC_INTERVAL_SECONDS: '0' } })
app.app.snapshots.onPublish((s) => { send({ published: s.syncId, at: Date.now() }) })
send({ url: app.url, token: app.token, serving: app.app.snapshots.current()?.syncId })
setInterval(() => { send({ role: app.app.replica?.role(), syncing: app.app.syncEngine.running() !== undefined }) }, 100).unref()
process.on('disconnect', () => { app.close().finally(() => process.exit(0)).catch(() => {}) })
