/** Shared helpers for the simulator tests (not a test file). */
import type { Tap } from '../helper.ts'
import { SIM_CLIENT_ID, SIM_CLIENT_SECRET, startSimulator, type RunningSimulator, type SimulatorOptions } from '#simulator/index.ts'

export async function sim (t: Tap, options: SimulatorOptions = {}): Promise<RunningSimulator> {
  const s = await startSimulator(options)
  t.teardown(() => s.close())
  return s
}

export function form (fields: Record<string, string> = {}): URLSearchParams {
  return new URLSearchParams({ client_id: SIM_CLIENT_ID, client_secret: SIM_CLIENT_SECRET, grant_type: 'client_credentials', ...fields })
}

export async function token (s: RunningSimulator, path = '/oauth/token'): Promise<string> {
  const res = await fetch(s.url + path, { method: 'POST', body: form() })
  if (res.status !== 200) throw new Error(`token ${res.status}`)
  return ((await res.json()) as { access_token: string }).access_token
}

export async function get (s: RunningSimulator, path: string, tok?: string, headers: Record<string, string> = {}): Promise<{ status: number, headers: Headers, text: string, json: any }> {
  const res = await fetch(s.url + path, {
    headers: { ...(tok === undefined ? {} : { authorization: `Bearer ${tok}` }), ...headers },
    redirect: 'manual'
  })
  const text = await res.text()
  let json: unknown
  try { json = JSON.parse(text) } catch { json = undefined }
  return { status: res.status, headers: res.headers, text, json }
}

/** Walks a list with the given semantics; returns every id in order. */
export async function walk (s: RunningSimulator, tok: string, resource: 'Users' | 'Groups', count: number, mode: 'item' | 'page'): Promise<string[]> {
  const ids: string[] = []
  for (let page = 1; page < 10_000; page++) {
    const startIndex = mode === 'item' ? ids.length + 1 : page
    const r = await get(s, `/scim/v2/${resource}?startIndex=${startIndex}&count=${count}`, tok)
    if (r.status !== 200) throw new Error(`status ${r.status}`)
    const items = r.json.resources as Array<{ id: string }>
    ids.push(...items.map(x => x.id))
    if (items.length < count) break
  }
  return ids
}

/** The user or group with this id as its list renders it (a page of one: item index and page number agree). */
export async function one (s: RunningSimulator, resource: 'Users' | 'Groups', id: string, tok: string): Promise<any> {
  const i = (resource === 'Users' ? s.control.users() : s.control.groups()).findIndex(x => x.id === id)
  if (i < 0) throw new Error(`no ${resource} ${id}`)
  const r = await get(s, `/scim/v2/${resource}?startIndex=${i + 1}&count=1`, tok)
  if (r.status !== 200) throw new Error(`status ${r.status}`)
  return (r.json.resources ?? r.json.Resources)[0]
}
