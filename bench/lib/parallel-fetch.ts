/**
 * The floor a client can reach on this machine against this simulator: the same pages as a sync, `concurrency`
 * at a time, bodies read and thrown away (no JSON parse, no validation, no normalisation). The gap between
 * this and the ideal is what the simulator and the loopback cost; the gap between this and readDirectory is
 * what our client costs.
 */
import { Agent, request } from 'undici'

export async function parallelFetch (opts: {
  baseUrl: string
  clientId: string
  clientSecret: string
  users: number
  groups: number
  concurrency: number
  pageSize?: number
}): Promise<{ wallMs: number, requests: number }> {
  const count = opts.pageSize ?? 100
  const dispatcher = new Agent({ connections: opts.concurrency + 1 })
  const started = performance.now()
  try {
    const tokenRes = await request(`${opts.baseUrl}/oauth/token`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: opts.clientId, client_secret: opts.clientSecret }).toString()
    })
    const token = ((await tokenRes.body.json()) as { access_token: string }).access_token
    const urls: string[] = []
    for (let p = 0; p < Math.ceil(opts.users / count); p++) urls.push(`${opts.baseUrl}/scim/v2/Users?startIndex=${p * count + 1}&count=${count}`)
    for (let p = 0; p < Math.ceil(opts.groups / count); p++) urls.push(`${opts.baseUrl}/scim/v2/Groups?startIndex=${p + 1}&count=${count}`)
    let next = 0
    await Promise.all(Array.from({ length: opts.concurrency }, async () => {
      while (next < urls.length) {
        const url = urls[next++] as string
        const res = await request(url, { dispatcher, headers: { authorization: `Bearer ${token}` } })
        await res.body.dump({ limit: Number.MAX_SAFE_INTEGER })
        if (res.statusCode !== 200) throw new Error(`${url}: HTTP ${res.statusCode}`)
      }
    }))
    return { wallMs: performance.now() - started, requests: urls.length + 1 }
  } finally {
    await dispatcher.close()
  }
}
