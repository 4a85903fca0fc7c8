/**
 * A small executor of ConductorOne baton-http configs (test helper, not a test file), written from C1's
 * "HTTP authoring" docs: it validates the YAML against c1/baton-http.schema.json, then runs it against a live
 * service the way the docs describe: list requests with cursor pagination, `cel:` mappings evaluated by a real CEL
 * engine (@bufbuild/cel) over the JSON items, `tmpl:` URLs rendered (the Go-template subset `{{.resource.id}}`,
 * `{{.resource.display_name}}`; anything else fails), static entitlements and grants named as baton-sdk does
 * (entitlement `<type>:<resourceId>:<slug>`, grant `<entitlementId>:<principalType>:<principalId>`).
 */
import { readFileSync } from 'node:fs'
import { celEnv, isCelError, parse as parseCel, plan } from '@bufbuild/cel'
import type { CelResult } from '@bufbuild/cel'
import { Ajv } from 'ajv'
import { parse } from 'yaml'

type Json = any

const SCHEMA_PATH = new URL('../../c1/baton-http.schema.json', import.meta.url)

/** Structural errors of a config (path: message), [] when it conforms. */
export function configErrors (config: unknown): string[] {
  const ajv = new Ajv({ allErrors: true, strict: false })
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')))
  if (validate(config)) return []
  return (validate.errors ?? []).map((e) => {
    const extra = e.keyword === 'additionalProperties' ? ` '${String(e.params.additionalProperty)}'` : ''
    return `${e.instancePath === '' ? '/' : e.instancePath}: ${e.message ?? e.keyword}${extra}`
  })
}

export function loadConfig (path: string | URL): Json {
  return parse(readFileSync(path, 'utf8'))
}

/** `${NAME}` interpolation from `env` (an unset variable is an error, never an empty string). */
export function interpolate (s: string, env: Record<string, string>): string {
  return s.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    const v = env[name]
    if (v === undefined) throw new Error(`environment variable ${name} is not set`)
    return v
  })
}

function toCel (v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toCel)
  if (v !== null && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, toCel(x)]))
  return v
}

// Each expression is parsed and planned once (a config has a few dozen; they run once per item).
const plans = new Map<string, (bindings: never) => CelResult>()

function planned (expr: string): (bindings: never) => CelResult {
  let p = plans.get(expr)
  if (p === undefined) {
    p = plan(celEnv(), parseCel(expr))
    plans.set(expr, p)
  }
  return p
}

/** A mapping value: `cel:<expr>` evaluated over `vars`, anything else a literal string. Every CEL error throws. */
export function evalValue (value: string, vars: Record<string, unknown>, where: string): unknown {
  if (!value.startsWith('cel:')) return value
  const expr = value.slice(4)
  let out: unknown
  try {
    out = planned(expr)(Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, toCel(v)])) as never)
  } catch (err) {
    throw new Error(`${where}: CEL ${JSON.stringify(expr)} failed: ${String(err)}`)
  }
  if (isCelError(out)) throw new Error(`${where}: CEL ${JSON.stringify(expr)} failed: ${String(out)}`)
  return out
}

function evalString (value: string, vars: Record<string, unknown>, where: string): string {
  const out = evalValue(value, vars, where)
  if (typeof out !== 'string') throw new Error(`${where}: expected a string, got ${typeof out}`)
  return out
}

/** Renders a `tmpl:` value with the Go-template subset we use; a plain value is returned as is. */
export function renderTemplate (value: string, vars: { resource?: { id: string, display_name: string } }): string {
  if (!value.startsWith('tmpl:')) return value
  return value.slice(5).replace(/\{\{(.*?)\}\}/g, (whole, inner: string) => {
    const m = /^\s*\.resource\.(id|display_name)\s*$/.exec(inner)
    if (m === null || vars.resource === undefined) throw new Error(`unsupported template action ${whole}`)
    return vars.resource[m[1] as 'id' | 'display_name']
  })
}

/** `a.b.c` of a JSON body. */
function atPath (body: Json, path: string): Json {
  return path.split('.').reduce((o, k) => (o === null || o === undefined ? undefined : o[k]), body)
}

export interface Mapped {
  resources: Array<{ type: string, id: string, displayName: string, description?: string, email?: string, login?: string, status?: string, profile?: Record<string, unknown> }>
  entitlements: Array<{ id: string, resourceType: string, resourceId: string, slug: string, displayName: string, description?: string, purpose: string, grantableTo: string[] }>
  grants: Array<{ id: string, entitlementId: string, principalType: string, principalId: string }>
  requests: string[]
  /** Where (dot path in the config) a value was evaluated at least once. */
  evaluated: Set<string>
}

export interface RunOptions { env: Record<string, string>, fetch?: typeof fetch, maxPages?: number }

/** Runs `config` like baton-http's sync would (users, roles, groups, entitlements, grants). */
export async function runConfig (config: Json, opts: RunOptions): Promise<Mapped> {
  const doFetch = opts.fetch ?? fetch
  const connect = config.connect
  const base = interpolate(connect.base_url, opts.env)
  const headers: Record<string, string> = {}
  for (const [k, v] of Object.entries(connect.request_defaults?.headers ?? {})) headers[k] = interpolate(String(v), opts.env)
  if (connect.auth.type === 'bearer') headers.authorization = `Bearer ${interpolate(connect.auth.token, opts.env)}`
  else if (connect.auth.type !== 'none') throw new Error(`auth ${String(connect.auth.type)} not supported by this runner`)
  const out: Mapped = { resources: [], entitlements: [], grants: [], requests: [], evaluated: new Set() }
  const val = (value: string, vars: Record<string, unknown>, where: string): unknown => {
    out.evaluated.add(where)
    return evalValue(value, vars, where)
  }
  const str = (value: string, vars: Record<string, unknown>, where: string): string => {
    out.evaluated.add(where)
    return evalString(value, vars, where)
  }

  async function * pages (request: Json, pagination: Json | undefined, where: string, vars: Json): AsyncGenerator<Json> {
    const p = pagination ?? connect.pagination ?? { strategy: 'none' }
    if (p.strategy !== 'cursor' && p.strategy !== 'none') throw new Error(`${where}: pagination ${String(p.strategy)} not supported by this runner`)
    let cursor: string | undefined
    for (let n = 0; n < (opts.maxPages ?? 100_000); n++) {
      const url = new URL(base.replace(/\/$/, '') + renderTemplate(request.url, vars))
      for (const [k, v] of Object.entries({ ...connect.request_defaults?.query_params, ...request.query_params })) url.searchParams.append(k, String(v))
      if (p.strategy === 'cursor') {
        if (p.limit_param !== undefined && p.page_size !== undefined) url.searchParams.append(p.limit_param, String(p.page_size))
        if (cursor !== undefined) url.searchParams.append(p.cursor_param, cursor)
      }
      out.requests.push(url.pathname + url.search)
      const res = await doFetch(url, { method: request.method ?? 'GET', headers })
      const text = await res.text()
      if (res.status !== 200) throw new Error(`${where}: ${request.method ?? 'GET'} ${url.pathname}${url.search} → ${res.status} ${text.slice(0, 300)}`)
      const body = JSON.parse(text)
      yield body
      if (p.strategy !== 'cursor') return
      const next = atPath(body, p.cursor_path)
      // The docs do not say how a cursor walk ends; we stop on an absent, null or "" cursor (what the service sends).
      if (next === undefined || next === null || next === '') return
      if (next === cursor) throw new Error(`${where}: the cursor repeated`)
      cursor = String(next)
    }
    throw new Error(`${where}: too many pages`)
  }

  function items (body: Json, path: string, where: string): Json[] {
    const list = atPath(body, path)
    if (!Array.isArray(list)) throw new Error(`${where}: items_path ${path} is not an array`)
    return list
  }

  for (const [type, rt] of Object.entries<Json>(config.resource_types)) {
    if (rt.list === undefined) continue
    const where = `resource_types.${type}.list`
    const mine: Array<{ id: string, display_name: string }> = []
    for await (const body of pages(rt.list.request, rt.list.pagination, where, {})) {
      for (const item of items(body, rt.list.response.items_path, where)) {
        const resp = rt.list.response
        if (resp.skip_if !== undefined && val(resp.skip_if, { item }, `${where}.response.skip_if`) === true) continue
        const m = resp.resource_mapping
        const w = `${where}.response.resource_mapping`
        const r: Mapped['resources'][number] = {
          type,
          id: str(m.id, { item }, `${w}.id`),
          displayName: str(m.display_name, { item }, `${w}.display_name`)
        }
        if (m.description !== undefined) r.description = str(m.description, { item }, `${w}.description`)
        const ut = m.user_traits
        if (ut !== undefined) {
          if (ut.email !== undefined) r.email = str(ut.email, { item }, `${w}.user_traits.email`)
          if (ut.login !== undefined) r.login = str(ut.login, { item }, `${w}.user_traits.login`)
          if (ut.status !== undefined) {
            r.status = str(ut.status, { item }, `${w}.user_traits.status`)
            if (r.status !== 'enabled' && r.status !== 'disabled') throw new Error(`${w}.user_traits.status: ${r.status} is neither enabled nor disabled`)
          }
          if (ut.profile !== undefined) {
            r.profile = Object.fromEntries(Object.entries<string>(ut.profile).map(([k, v]) => [k, val(v, { item }, `${w}.user_traits.profile.${k}`)]))
          }
        }
        const gt = m.group_traits
        if (gt?.profile !== undefined) {
          r.profile = Object.fromEntries(Object.entries<string>(gt.profile).map(([k, v]) => [k, val(v, { item }, `${w}.group_traits.profile.${k}`)]))
        }
        out.resources.push(r)
        mine.push({ id: r.id, display_name: r.displayName })
      }
    }
    if (rt.skip_entitlements_and_grants === true) continue
    for (const resource of mine) {
      for (const [i, se] of (rt.static_entitlements ?? []).entries()) {
        const w = `resource_types.${type}.static_entitlements[${i}]`
        const slug: string = se.slug ?? se.id
        out.entitlements.push({
          id: `${type}:${resource.id}:${slug}`,
          resourceType: type,
          resourceId: resource.id,
          slug,
          displayName: str(se.display_name, { resource }, `${w}.display_name`),
          ...(se.description !== undefined ? { description: str(se.description, { resource }, `${w}.description`) } : {}),
          purpose: se.purpose,
          grantableTo: [...(se.grantable_to ?? [])]
        })
      }
      for (const [i, g] of (rt.grants ?? []).entries()) {
        const w = `resource_types.${type}.grants[${i}]`
        for await (const body of pages(g.request, undefined, w, { resource })) {
          for (const item of items(body, g.response.items_path, w)) {
            if (g.response.skip_if !== undefined && val(g.response.skip_if, { item, resource }, `${w}.response.skip_if`) === true) continue
            const gm = g.response.grant_mapping
            const principalId = str(gm.principal_id, { item, resource }, `${w}.response.grant_mapping.principal_id`)
            const principalType = str(gm.principal_type, { item, resource }, `${w}.response.grant_mapping.principal_type`)
            const name = str(gm.entitlement_name, { item, resource }, `${w}.response.grant_mapping.entitlement_name`)
            const entitlementId = `${type}:${resource.id}:${name}`
            out.grants.push({ id: `${entitlementId}:${principalType}:${principalId}`, entitlementId, principalType, principalId })
          }
        }
      }
    }
  }
  return out
}

/**
 * Values that cannot be what their author meant: text that reads like an expression (`item.`, `resource.`,
 * `has(`) without the cel: prefix is a literal string to baton-http, and `{{…}}` without tmpl: is sent verbatim.
 */
export function valueLint (node: unknown, path = ''): string[] {
  if (typeof node === 'string') {
    if (node.startsWith('cel:') || node.startsWith('tmpl:')) return []
    if (node.includes('{{')) return [`${path}: ${JSON.stringify(node)} is a template without the tmpl: prefix`]
    if (/\b(item|resource|principal)\.|\bhas\(/.test(node)) return [`${path}: ${JSON.stringify(node)} reads like an expression but is a literal (no cel: prefix)`]
    return []
  }
  if (Array.isArray(node)) return node.flatMap((x, i) => valueLint(x, `${path}/${i}`))
  if (node !== null && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => valueLint(v, `${path}/${k}`))
  return []
}

/** The dot paths (as runConfig names them) of every cel: value in the config. */
export function celPaths (node: unknown, path = ''): string[] {
  if (typeof node === 'string') return node.startsWith('cel:') ? [path] : []
  if (Array.isArray(node)) return node.flatMap((x, i) => celPaths(x, `${path}[${i}]`))
  if (node !== null && typeof node === 'object') return Object.entries(node).flatMap(([k, v]) => celPaths(v, path === '' ? k : `${path}.${k}`))
  return []
}
