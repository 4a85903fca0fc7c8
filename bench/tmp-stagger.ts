import { Agent, request } from 'undici'
import { startRemoteSimulator } from './lib/sim-process.ts'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '../src/simulator/index.ts'
const sim = await startRemoteSimulator({ users: 100000, groups: 2000, seed: 42, latencyMs: 50 })
const d = new Agent({ connections: 9 })
const tr = await request(`${sim.url}/oauth/token`, { method: 'POST', dispatcher: d, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET }).toString() })
const tok = (await tr.body.json() as any).access_token
for (const stagger of [0, 7, 0, 7]) {
  const t0 = performance.now(); let n = 0
  await Promise.all(Array.from({ length: 8 }, async (_, w) => {
    await new Promise(r => setTimeout(r, w * stagger))
    while (n < 1020) { const p = n++; const r = await request(`${sim.url}/scim/v2/Users?startIndex=${(p % 1000) * 100 + 1}&count=100`, { dispatcher: d, headers: { authorization: `Bearer ${tok}` } }); await r.body.dump({ limit: 1e9 }) }
  }))
  console.log('stagger', stagger, performance.now() - t0)
}
await d.close(); await sim.close()
