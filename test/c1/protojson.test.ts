/**
 * Every C1 object the service serves decodes strictly as protojson of c1.connector.v2 (our restatement in
 * c1/proto, compiled with buf at test time): unknown fields rejected, Any `@type`s resolved through the registry,
 * strings valid UTF-8, timestamps real calendar instants. On a synced simulator and on a hostile directory
 * (impossible dates, lone surrogates, users without email or roles), where every user must still be there.
 */
import { execFileSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createFileRegistry, fromBinary, fromJson } from '@bufbuild/protobuf'
import type { DescMessage, Registry } from '@bufbuild/protobuf'
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt'
import t from 'tap'
import type { Test } from 'tap'
import type { DirectoryUser } from '#src/directory/types.ts'
import { snapshotOf, testDirectory } from '../helper.ts'
import type { TestApp } from '../helper.ts'
import { injectStack, injectTestApp } from '../routes/inject.ts'
import { getJson } from '../routes/list-helpers.ts'

type Json = any

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BUF = fileURLToPath(new URL('../../node_modules/@bufbuild/buf/bin/buf', import.meta.url))

/** The descriptors of c1/proto (and the well-known types it imports), built by the buf binary from @bufbuild/buf. */
function loadRegistry (): Registry {
  const bytes = execFileSync(BUF, ['build', 'c1/proto', '-o', '-'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 })
  return createFileRegistry(fromBinary(FileDescriptorSetSchema, bytes))
}

const registry = loadRegistry()
const message = (name: string): DescMessage => {
  const d = registry.getMessage(`c1.connector.v2.${name}`)
  if (d === undefined) throw new Error(`no message ${name}`)
  return d
}
const TYPES: Record<string, DescMessage> = {
  resourceType: message('ResourceType'),
  resource: message('Resource'),
  entitlement: message('Entitlement'),
  grant: message('Grant')
}

/** A JSON `\\uD800`–`\\uDFFF` escape (an odd run of backslashes before u), i.e. a surrogate the encoder left unpaired. */
const SURROGATE_ESCAPE = /(?<!\\)(?:\\\\)*\\u[dD][89a-fA-F][0-9a-fA-F]{2}/

const TIMESTAMP_KEYS = new Set(['createdAt', 'lastLogin'])

/** What @bufbuild/protobuf lets through but Go's protojson does not: impossible dates (JS Date rolls them over). */
function strictnessProblems (value: unknown, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => strictnessProblems(v, `${path}[${i}]`))
  if (value === null || typeof value !== 'object') return []
  return Object.entries(value).flatMap(([k, v]) => {
    if (TIMESTAMP_KEYS.has(k) && typeof v === 'string') {
      const ms = Date.parse(v)
      const roundTrip = Number.isNaN(ms) ? '' : new Date(ms).toISOString().slice(0, 19)
      return roundTrip === v.slice(0, 19) && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/.test(v) ? [] : [`${path}.${k}: ${v} is not a real UTC instant`]
    }
    return strictnessProblems(v, `${path}.${k}`)
  })
}

/** Decodes `json` as `type` strictly; returns the problems (empty when it decodes). */
function decode (type: DescMessage, json: Json, where: string): string[] {
  try {
    fromJson(type, json, { registry, ignoreUnknownFields: false })
  } catch (err) {
    return [`${where}: ${String(err)}`]
  }
  return strictnessProblems(json, where)
}

t.test('the decoder is strict: unknown fields, unknown Any types, impossible dates and lone surrogates fail', async t => {
  const user = { id: { resourceType: 'user', resource: 'u1' }, displayName: 'A', annotations: [] }
  t.strictSame(decode(TYPES.resource as DescMessage, user, 'ok'), [])
  t.match(decode(TYPES.resource as DescMessage, { ...user, extra: 1 }, 'x')[0], /unknown/)
  t.match(decode(TYPES.resource as DescMessage, { ...user, annotations: [{ '@type': 'type.googleapis.com/c1.connector.v2.RawId', idx: 'u1' }] }, 'x')[0], /unknown/)
  t.match(decode(TYPES.resource as DescMessage, { ...user, annotations: [{ '@type': 'type.googleapis.com/c1.connector.v2.Nope' }] }, 'x')[0], /Nope/)
  t.match(decode(TYPES.resource as DescMessage, { ...user, displayName: 'a\ud800' }, 'x')[0], /UTF8/i)
  t.match(decode(TYPES.resource as DescMessage, { ...user, createdAt: '2023-02-30T10:00:00Z' }, 'x')[0], /not a real UTC instant/)
  t.match(decode(TYPES.resource as DescMessage, { ...user, createdAt: '2023-01-01T24:00:00Z' }, 'x')[0], /not a real UTC instant/)
})

t.test('a synced simulator: every object of /sync and of the lists decodes strictly', async t => {
  const stack = await injectStack({ t, simulator: { users: 120, groups: 4, seed: 5 } })
  await checkAll(t, stack)
})

t.test('a hostile directory: still strict protojson, and every user kept', async t => {
  const dir = hostile()
  const app = await injectTestApp({ t, snapshot: snapshotOf(dir) })
  const users = await checkAll(t, app)
  t.equal(users.length, dir.users.length, 'every user is served')
  const bad = users.find(u => u.id.resource === 'hostile-dates')
  t.ok(bad !== undefined && bad.createdAt === undefined, 'an impossible date is left out of createdAt')
  t.equal(bad?.profile.created, '2023-02-30T10:00:00Z', 'and kept raw in the profile')
  const lone = users.find(u => u.id.resource === 'hostile-surrogates')
  t.equal(lone?.displayName, 'Broken \ufffd name', 'a lone surrogate becomes U+FFFD')
})

/** Decodes /sync (NDJSON) and every list page; returns the users of /sync. */
async function checkAll (t: Test, app: TestApp): Promise<Json[]> {
  const res = await app.request('/sync', { headers: { accept: 'application/x-ndjson' } })
  const text = await res.text()
  t.notMatch(text, SURROGATE_ESCAPE, 'no surrogate escapes in /sync')
  const lines: Json[] = text.split('\n').filter(l => l !== '').map(l => JSON.parse(l))
  const problems: string[] = []
  let objects = 0
  for (const [i, line] of lines.entries()) {
    for (const [key, type] of Object.entries(TYPES)) {
      if (key in line) { objects++; problems.push(...decode(type, line[key], `/sync line ${i + 1} ${key}`)) }
    }
  }
  t.ok(objects > 0, `${objects} objects in /sync`)
  const resources: Json[] = lines.filter(l => 'resource' in l).map(l => l.resource)
  const users = resources.filter(r => r.id.resourceType === 'user')
  const lists = ['/resource-types', '/users', '/roles', '/groups']
  for (const r of resources) {
    if (r.id.resourceType === 'role' || r.id.resourceType === 'group') {
      const base = `/${r.id.resourceType}s/${encodeURIComponent(r.id.resource)}`
      lists.push(`${base}/entitlements`, `${base}/grants`)
    }
  }
  for (const path of lists) {
    let token = ''
    do {
      const page = await getJson(app, `${path}?pageSize=250${token === '' ? '' : `&pageToken=${encodeURIComponent(token)}`}`)
      if (page.status !== 200) { problems.push(`${path}: ${page.status}`); break }
      if (SURROGATE_ESCAPE.test(page.text)) problems.push(`${path}: surrogate escape`)
      const type = path === '/resource-types' ? TYPES.resourceType : path.endsWith('/entitlements') ? TYPES.entitlement : path.endsWith('/grants') ? TYPES.grant : TYPES.resource
      for (const [i, item] of page.body.list.entries()) problems.push(...decode(type as DescMessage, item, `${path} item ${i}`))
      token = page.body.nextPageToken
    } while (token !== '')
  }
  const one = users[0]
  if (one !== undefined) {
    const single = await getJson(app, `/users/${encodeURIComponent(one.id.resource)}`)
    problems.push(...decode(TYPES.resource as DescMessage, single.body.resource, 'GET /users/:id'))
  }
  t.strictSame(problems.slice(0, 20), [], `every object decodes strictly (${lists.length} lists)`)
  return users
}

function hostile (): { users: DirectoryUser[], groups: Json[] } {
  const base = testDirectory({ users: 20, groups: 2, seed: 9 })
  const [a, b, c, d, e] = base.users as DirectoryUser[]
  const odd = (u: DirectoryUser | undefined, id: string, patch: Partial<DirectoryUser>): DirectoryUser => ({ ...(u as DirectoryUser), id, groups: [], ...patch })
  const users = [
    ...base.users.slice(5),
    odd(a, 'hostile-dates', { created: '2023-02-30T10:00:00Z' }),
    odd(b, 'hostile-midnight', { created: '2023-01-01T24:00:00Z', emails: [] }),
    odd(c, 'hostile-surrogates', { displayName: 'Broken \ud800 name', userName: 'lone\udc00@example.com', givenName: 'G\ud83d', familyName: '\udfffF', status: 'WEIRD\ud800' }),
    odd(d, 'hostile-no-roles', { roles: [], emails: [{ value: 'x@example.com', primary: false }] }),
    odd(e, 'hostile-unicode', { displayName: 'Zoë 山田 👩‍💻', roles: ['Rôle ünïcødé', 'USER'] })
  ].sort((x, y) => x.id < y.id ? -1 : 1)
  const keep = new Set(users.map(u => u.id))
  const groups = base.groups.map((g, i) => ({ ...g, displayName: i === 0 ? 'Grp \udc00' : g.displayName, description: 'd\ud800', members: g.members.filter(m => keep.has(m)) }))
  return { users, groups }
}
