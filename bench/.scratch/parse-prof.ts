import { startSimulator, SIM_CLIENT_ID, SIM_CLIENT_SECRET } from '../../src/simulator/index.ts'
import { checkListResponse, checkUser, parseJson } from '../../src/zuora/scim-schemas.ts'
import { normaliseUser } from '../../src/directory/normalise.ts'
const sim = await startSimulator({ users: 2000, groups: 10, seed: 42 })
const tr = await fetch(`${sim.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET }) })
const tok = (await tr.json() as any).access_token
const texts: string[] = []
for (let p = 0; p < 20; p++) texts.push(await (await fetch(`${sim.url}/scim/v2/Users?startIndex=${p * 100 + 1}&count=100`, { headers: { authorization: `Bearer ${tok}` } })).text())
await sim.close()
const ctx = { endpoint: 'users' as const, where: 'x' }
for (let round = 0; round < 5; round++) {
  let a = 0, b = 0, c = 0, d = 0
  for (const text of texts) {
    let t = performance.now(); const raw = parseJson(text, ctx); a += performance.now() - t
    t = performance.now(); const page = checkListResponse(raw, ctx); b += performance.now() - t
    t = performance.now(); const us = page.resources.map(r => checkUser(r, ctx)); c += performance.now() - t
    t = performance.now(); us.map(u => normaliseUser(u)); d += performance.now() - t
  }
  const n = texts.length
  console.log(`per page: parse ${(a / n).toFixed(2)} list ${(b / n).toFixed(2)} checkUser ${(c / n).toFixed(2)} normalise ${(d / n).toFixed(2)} ms`)
}
