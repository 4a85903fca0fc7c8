/**
 * Fuzz suite: fast-check generates requests against the running app over loopback HTTP (keep-alive undici Pool,
 * batches fired concurrently): random paths under every route, odd ids ('..', '%00', ':', encoded slashes,
 * 10 kB strings, unicode), random query values (huge / negative / float / non-numeric pageSize, forged,
 * truncated and foreign pageTokens, since), wrong methods, bodies on GETs, bad Accept and content types,
 * missing / wrong / malformed credentials. ≥ 10,000 requests per run (FUZZ_RUNS × FUZZ_BATCH).
 * Properties: never a 5xx; every 4xx is application/problem+json with type, title, status, detail; a 304 has
 * no body; no answer carries the API token or the Zuora client secret; the process stays up (GET /health/live
 * answers 200 at the end). FUZZ_SEED replays a run (the seed is printed).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import fc from 'fast-check'
import { Pool } from 'undici'
import { buildApp } from '#src/app.ts'
import { SIM_CLIENT_SECRET, startSimulator } from '#simulator/index.ts'
import { BENCH_API_TOKEN, configForSimulator } from '../../bench/lib/config.ts'

const RUNS = Number(process.env.FUZZ_RUNS ?? 250)
const BATCH = Number(process.env.FUZZ_BATCH ?? 40)

interface FuzzRequest {
  method: string
  path: string
  headers: Record<string, string>
  body?: string
}

interface Seen {
  readonly userId: string
  readonly groupId: string
  readonly roleId: string
  readonly syncId: string
  readonly tokens: readonly string[]
}

// path templates of every route (':id' = an id slot)
const TEMPLATES = [
  '/resource-types', '/users', '/users/:id', '/roles', '/roles/:id', '/roles/:id/entitlements', '/roles/:id/grants',
  '/groups', '/groups/:id', '/groups/:id/entitlements', '/groups/:id/grants',
  '/sync', '/sync/jobs', '/sync/jobs/:id',
  '/health/live', '/health/ready', '/health', '/metrics', '/openapi.json', '/docs', '/docs/', '/docs/json', '/docs/static/:id'
]

const enc = (s: string): string => encodeURIComponent(s)

function arbitraries (seen: Seen) {
  const tenKb = fc.constantFrom('a', 'Z', '9', '-').map(c => c.repeat(10 * 1024))
  const oddRaw = fc.constantFrom('..', '.', '%00', '%2F', '%2f', '%5C', ':', '%3A', '%2e%2e', '..%2F..%2Fetc%2Fpasswd', '%', '%zz', '%E2%82', '%C0%AF',
    '~', '*', "'", '(', ')', '!', '$', '@', ';', ',', '=', '+', '%20', '%0A', '%0D%0A', '%7F', '%FF', 'role:x:assigned', 'a:b', '__proto__', 'constructor')
  const idArb = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(seen.userId, seen.groupId, seen.roleId, 'ADMIN', 'USER', seen.syncId, `job_${seen.syncId}`).map(enc) },
    { weight: 3, arbitrary: oddRaw },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }).map(enc) },
    { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }).map(s => { try { return enc(s) } catch { return 'x' } }) },
    { weight: 1, arbitrary: tenKb },
    { weight: 1, arbitrary: fc.uuid().map(enc) }
  )
  const pathArb = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(fc.constantFrom(...TEMPLATES), idArb).map(([tpl, id]) => tpl.replace(':id', id)) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...TEMPLATES), fc.array(idArb, { minLength: 1, maxLength: 3 })).map(([tpl, segs]) => `${tpl.replace(':id', segs[0] ?? 'x')}/${segs.join('/')}`) },
    { weight: 1, arbitrary: fc.array(idArb, { maxLength: 4 }).map(segs => `/${segs.join('/')}`) },
    { weight: 1, arbitrary: fc.constantFrom('/', '//users', '/users/', '/users//x', '/USERS', '/users/../roles', '/./users', '/users?', '/users#x', '/%2Fusers') }
  )
  const token = fc.oneof(
    fc.constantFrom(...seen.tokens),
    fc.constantFrom(...seen.tokens).chain(tok => fc.nat({ max: Math.max(0, tok.length - 1) }).map(n => tok.slice(0, n))), // truncated
    fc.constantFrom(...seen.tokens).chain(tok => fc.nat({ max: Math.max(0, tok.length - 1) }).map(n => tok.slice(0, n) + (tok[n] === 'A' ? 'B' : 'A') + tok.slice(n + 1))), // one char flipped
    fc.base64String({ maxLength: 200 }),
    fc.json().map(j => Buffer.from(j).toString('base64url')), // forged
    fc.string({ maxLength: 100 }),
    tenKb
  )
  const numberish = fc.oneof(
    fc.integer().map(String), fc.double().map(String), fc.bigInt().map(String),
    fc.constantFrom('0', '-1', '1', '250', '251', '100', '1e3', '1e309', '-0', '0x10', '1.5', 'NaN', 'Infinity', '', ' ', 'abc', '10abc', '٣', '１０', '[]', '{}', 'null', 'true')
  )
  const queryValue = (key: string) => {
    if (key === 'pageSize') return numberish
    if (key === 'pageToken') return token
    if (key === 'since') return fc.oneof(fc.constant(seen.syncId), fc.string({ maxLength: 40 }), token)
    return fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.constantFrom('ACTIVE', 'INACTIVE', 'ADMIN', 'DISABLED', ''), numberish)
  }
  const keyArb = fc.constantFrom('pageSize', 'pageToken', 'since', 'status', 'role', 'q', 'filter', 'pageSize[]', 'page_size', '__proto__', 'x')
  const queryArb = fc.array(keyArb.chain(k => queryValue(k).map(v => `${enc(k)}=${enc(v)}`)), { maxLength: 4 }).map(parts => parts.length > 0 ? `?${parts.join('&')}` : '')

  const auth = fc.oneof(
    { weight: 8, arbitrary: fc.constant<string | undefined>(`Bearer ${BENCH_API_TOKEN}`) },
    { weight: 1, arbitrary: fc.constant<string | undefined>(undefined) },
    { weight: 1, arbitrary: fc.constantFrom<string | undefined>('Bearer', 'Bearer ', 'bearer x', 'Basic Zm9vOmJhcg==', `Bearer ${BENCH_API_TOKEN}x`, `Bearer ${'x'.repeat(4096)}`, 'Token abc', `Bearer ${BENCH_API_TOKEN.slice(0, -1)}`) }
  )
  const accept = fc.constantFrom<string | undefined>(undefined, undefined, 'application/json', 'application/x-ndjson', 'application/problem+json', 'text/html', 'application/xml', '*/*', 'text/*', 'garbage', 'application/json;q=0', 'application/x-ndjson, application/json;q=0.1')
  const contentType = fc.constantFrom<string | undefined>(undefined, 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'garbage', 'application/json; charset=utf-16')
  const body = fc.option(fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ maxLength: 200 }), fc.constant('{"a":'), tenKb), { nil: undefined, freq: 2 })
  const method = fc.constantFrom('GET', 'GET', 'GET', 'GET', 'GET', 'HEAD', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS')
  const ifNoneMatch = fc.option(fc.oneof(fc.constant('*'), fc.string({ maxLength: 30 }).map(s => `"${s.replace(/["\\\r\n]/g, '')}"`)), { nil: undefined, freq: 5 })

  return fc.record({ method, path: pathArb, query: queryArb, auth, accept, contentType, body, ifNoneMatch }).map(r => {
    const headers: Record<string, string> = {}
    if (r.auth !== undefined) headers.authorization = r.auth
    if (r.accept !== undefined) headers.accept = r.accept
    if (r.ifNoneMatch !== undefined) headers['if-none-match'] = r.ifNoneMatch
    const out: FuzzRequest = { method: r.method, path: r.path + r.query, headers }
    if (r.body !== undefined && r.method !== 'HEAD') {
      out.body = r.body
      if (r.contentType !== undefined) headers['content-type'] = r.contentType
    }
    return out
  })
}

t.test('fuzzed requests: no 5xx, every 4xx a problem+json, the process stays up', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'fuzz-'))
  const sim = await startSimulator({ users: 150, groups: 8, seed: 21 })
  const config = configForSimulator(sim.url, { DATA_DIR: dataDir, ZUORA_MAX_CONCURRENCY: '4' })
  const app = await buildApp({ config })
  const url = await app.listen({ host: '127.0.0.1', port: 0 })
  const pool = new Pool(url, { connections: 16, pipelining: 1, keepAliveTimeout: 30_000 })
  t.teardown(async () => {
    await pool.close()
    await app.close()
    await sim.close()
    await rm(dataDir, { recursive: true, force: true })
  })
  await app.syncEngine.whenIdle()
  t.ok(app.snapshots.current(), 'a snapshot is served before fuzzing')

  const auth = { authorization: `Bearer ${BENCH_API_TOKEN}` }
  const getJson = async (path: string): Promise<Record<string, unknown>> => {
    const res = await pool.request({ method: 'GET', path, headers: auth })
    const text = await res.body.text()
    if (res.statusCode !== 200) throw new Error(`GET ${path}: ${res.statusCode} ${text.slice(0, 300)}`)
    return JSON.parse(text) as Record<string, unknown>
  }
  const users = await getJson('/users?pageSize=1')
  const groups = await getJson('/groups?pageSize=1')
  const roles = await getJson('/roles?pageSize=1')
  const sync = await getJson('/sync?pageSize=1')
  const firstId = (page: Record<string, unknown>): string => {
    const list = page.list as Array<{ id?: { resource?: string } | string }>
    const id = list[0]?.id
    return typeof id === 'string' ? id : (id?.resource ?? 'x')
  }
  const seen: Seen = {
    userId: firstId(users),
    groupId: firstId(groups),
    roleId: firstId(roles),
    syncId: String(users.syncId ?? sync.syncId ?? 'x'),
    tokens: [users, groups, roles, sync].map(p => p.nextPageToken).filter((x): x is string => typeof x === 'string' && x !== '')
  }
  if (seen.tokens.length === 0) throw new Error('no pageToken seen: cannot fuzz tokens')

  const byStatus = new Map<number, number>()
  const problems: string[] = []
  let sent = 0

  const check = async (req: FuzzRequest): Promise<void> => {
    let status: number
    let type: string
    let text: string
    let headers: Record<string, unknown>
    try {
      const res = await pool.request({ method: req.method as 'GET', path: req.path, headers: req.headers, ...(req.body !== undefined ? { body: req.body } : {}) })
      status = res.statusCode
      type = String(res.headers['content-type'] ?? '')
      text = await res.body.text()
      headers = res.headers
    } catch (err) {
      problems.push(`${req.method} ${req.path.slice(0, 200)}: transport error ${(err as Error).message}`)
      return
    }
    sent++
    byStatus.set(status, (byStatus.get(status) ?? 0) + 1)
    const where = `${req.method} ${req.path.slice(0, 200)} ${JSON.stringify(req.headers).slice(0, 200)} → ${status}`
    if (status >= 500) problems.push(`${where}: 5xx ${text.slice(0, 300)}`)
    if (status === 304 && text !== '') problems.push(`${where}: 304 with a body`)
    for (const secret of [BENCH_API_TOKEN, SIM_CLIENT_SECRET]) {
      if (text.includes(secret) || JSON.stringify(headers).includes(secret)) problems.push(`${where}: the answer carries a secret`)
    }
    if (status >= 400) {
      if (!/^application\/problem\+json/.test(type)) problems.push(`${where}: content-type ${type} ${text.slice(0, 200)}`)
      if (req.method !== 'HEAD') {
        let p: Record<string, unknown> | undefined
        try { p = JSON.parse(text) as Record<string, unknown> } catch { problems.push(`${where}: body is not JSON: ${text.slice(0, 200)}`) }
        if (p !== undefined) {
          for (const k of ['type', 'title', 'detail'] as const) if (typeof p[k] !== 'string') problems.push(`${where}: problem without ${k}: ${text.slice(0, 200)}`)
          if (p.status !== status) problems.push(`${where}: problem status ${String(p.status)}`)
        }
      }
    }
  }

  const seed = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31)
  t.comment(`fast-check seed ${seed} (FUZZ_SEED=${seed} replays it), ${RUNS} runs × ${BATCH} requests`)
  await fc.assert(
    fc.asyncProperty(fc.array(arbitraries(seen), { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      const before = problems.length
      await Promise.all(batch.map(check))
      return problems.length === before
    }),
    { numRuns: RUNS, seed, endOnFailure: true }
  ).catch((err: Error) => {
    t.fail(`fast-check: ${err.message.split('\n').slice(0, 6).join(' | ')}`)
  })

  t.ok(sent >= RUNS * BATCH || problems.length > 0, `${sent} requests sent`)
  t.same(problems.slice(0, 20), [], `no property violations (${problems.length})`)
  t.comment(`statuses: ${[...byStatus.entries()].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`)
  const live = await pool.request({ method: 'GET', path: '/health/live' })
  await live.body.dump()
  t.equal(live.statusCode, 200, 'the process is still up')
})
