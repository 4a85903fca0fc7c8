import { createZuoraConnection } from '../../src/zuora/connection.ts'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '../../src/simulator/index.ts'
import { configForSimulator } from '../lib/config.ts'
import { parallelFetch } from '../lib/parallel-fetch.ts'
const url = 'http://127.0.0.1:18777'
const f = await parallelFetch({ baseUrl: url, clientId: SIM_CLIENT_ID, clientSecret: SIM_CLIENT_SECRET, users: 100000, groups: 2000, concurrency: 8 })
console.log('floor', f.wallMs.toFixed(0))
const conn = createZuoraConnection(configForSimulator(url, { ZUORA_MAX_CONCURRENCY: '8' }).zuora)
const t0 = performance.now(); const r = await conn.readDirectory(); console.log('read', (performance.now() - t0).toFixed(0), r.users.length, r.groups.length, r.requests)
await conn.close()
