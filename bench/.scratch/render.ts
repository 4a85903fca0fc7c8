import { Agent, request } from 'undici'
import { startRemoteSimulator } from '../lib/sim-process.ts'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '../../src/simulator/index.ts'
const lat = Number(process.argv[2] ?? 0)
const sim = await startRemoteSimulator({ users: 100000, groups: 2000, seed: 42, latencyMs: lat })
const d = new Agent({ connections: 9 })
const tr = await request(`${sim.url}/oauth/token`, { method: 'POST', dispatcher: d, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET }).toString() })
const tok = (await tr.body.json() as any).access_token
for (const conc of [1, 8, 1, 8]) {
  const N = conc === 1 ? 100 : 400
  const t0 = performance.now(); let n = 0; let bytes = 0
  await Promise.all(Array.from({ length: conc }, async () => {
    while (n < N) { const p = n++; const r = await request(`${sim.url}/scim/v2/Users?startIndex=${(p % 1000) * 100 + 1}&count=100`, { dispatcher: d, headers: { authorization: `Bearer ${tok}` } }); const b = await r.body.arrayBuffer(); bytes += b.byteLength }
  }))
  const ms = performance.now() - t0
  console.log(`lat ${lat} conc ${conc}: ${N} pages in ${ms.toFixed(0)} ms → ${(ms / N).toFixed(2)} ms/page wall, per round ${(ms / (N / conc)).toFixed(1)} ms; ${(bytes / N / 1024).toFixed(0)} KB/page`)
}
await d.close(); await sim.close()
