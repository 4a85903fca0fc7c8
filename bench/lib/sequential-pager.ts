/**
 * The "typical connector" peer: one token, then SCIM pages one after the other (Users, then Groups), the way
 * most SCIM connectors walk a directory. Plain undici, keep-alive, no parallelism, no retries; stops on
 * totalResults (so it makes exactly the same number of requests as the minimum).
 */
import { Agent, request } from 'undici'

export interface SequentialResult {
  readonly users: number
  readonly groups: number
  readonly requests: number
  readonly wallMs: number
}

interface ListPage {
  totalResults?: number
  resources?: Array<{ id: string }>
  Resources?: Array<{ id: string }>
}

export async function sequentialRead (opts: {
  baseUrl: string
  clientId: string
  clientSecret: string
  pageSize?: number
  /** Groups list: 'page' (Zuora documents startIndex as a page number) or 'item'. */
  groupsStartIndex?: 'item' | 'page'
  /** Stop after this many pages per resource (scaled-down runs); default: all. */
  maxPagesPerResource?: number
}): Promise<SequentialResult> {
  const count = opts.pageSize ?? 100
  const dispatcher = new Agent({ connections: 1, pipelining: 1 })
  const started = performance.now()
  let requests = 0
  try {
    const tokenRes = await request(`${opts.baseUrl}/oauth/token`, {
      method: 'POST',
      dispatcher,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: opts.clientId, client_secret: opts.clientSecret }).toString()
    })
    requests++
    if (tokenRes.statusCode !== 200) throw new Error(`token request failed: HTTP ${tokenRes.statusCode}`)
    const token = ((await tokenRes.body.json()) as { access_token: string }).access_token

    const walk = async (resource: 'Users' | 'Groups', mode: 'item' | 'page'): Promise<number> => {
      const ids: string[] = []
      for (let page = 1; page <= (opts.maxPagesPerResource ?? Number.MAX_SAFE_INTEGER); page++) {
        const startIndex = mode === 'item' ? (page - 1) * count + 1 : page
        const res = await request(`${opts.baseUrl}/scim/v2/${resource}?startIndex=${startIndex}&count=${count}`, {
          dispatcher,
          headers: { authorization: `Bearer ${token}`, accept: 'application/scim+json' }
        })
        requests++
        if (res.statusCode !== 200) throw new Error(`${resource} page ${page} failed: HTTP ${res.statusCode}`)
        const body = (await res.body.json()) as ListPage
        const items = body.resources ?? body.Resources ?? []
        for (const r of items) ids.push(r.id)
        if (items.length === 0 || items.length < count || (body.totalResults !== undefined && ids.length >= body.totalResults)) break
      }
      return ids.length
    }
    const users = await walk('Users', 'item')
    const groups = await walk('Groups', opts.groupsStartIndex ?? 'page')
    return { users, groups, requests, wallMs: performance.now() - started }
  } finally {
    await dispatcher.close()
  }
}
