/**
 * One replica in its own process (not a test file), for the SIGKILL test: DATABASE_URL and the simulator's URL come
 * from the environment; it reports its URL over IPC once listening, and is killed without a goodbye.
 */
import { startTestApp } from '../helper.ts'

const app = await startTestApp({ env: { ZUORA_TENANT_BASE_URL: process.env.HA_SIM_URL, DATABASE_URL: process.env.HA_DATABASE_URL } })
process.send?.({ url: app.url })
setInterval(() => { process.send?.({ role: app.app.replica?.role(), syncing: app.app.syncEngine.running() !== undefined }) }, 100)
