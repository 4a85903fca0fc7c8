/**
 * /sync through app.inject: the app against the simulator (over loopback), no mocks.
 */
import t from 'tap'
import type { Test } from 'tap'
import { FormatRegistry } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { C1_SCHEMAS } from '#src/c1/model.ts'
import { SYNC_SCHEMAS, SyncDiffSchema, SyncJobSchema, SyncPageSchema } from '#src/api/sync.ts'
import { newSyncId } from '#src/sync/sync-id.ts'
import type { TestApp, TestStack } from '../helper.ts'
import { injectStack, injectTestApp } from './inject.ts'

if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (s) => !Number.isNaN(Date.parse(s)))
const REFS = [...C1_SCHEMAS, ...SYNC_SCHEMAS]

type Json = any
type SectionName = 'resourceTypes' | 'resources' | 'entitlements' | 'grants'
const SECTIONS: SectionName[] = ['resourceTypes', 'resources', 'entitlements', 'grants']
type Sections = Record<SectionName, Json[]>

async function json (app: TestApp, path: string, init: RequestInit = {}): Promise<{ status: number, headers: Headers, body: Json }> {
  const res = await app.request(path, init)
  const text = await res.text()
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) }
}

async function waitForJob (app: TestApp, id: string): Promise<Json> {
  for (let i = 0; i < 2000; i++) {
    const { status, body } = await json(app, `/sync/jobs/${id}`)
    if (status !== 200) throw new Error(`GET /sync/jobs/${id} → ${status}`)
    if (body.status !== 'running') return body
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  throw new Error(`job ${id} still running`)
}

/** POST /sync and wait for the job to finish; returns the finished job. */
async function sync (app: TestApp): Promise<Json> {
  const { status, body } = await json(app, '/sync', { method: 'POST' })
  if (status !== 202) throw new Error(`POST /sync → ${status}`)
  return await waitForJob(app, body.id)
}

/** Walks every page of GET /sync; returns the pages and the concatenated sections. */
async function walk (app: TestApp, pageSize: number): Promise<{ pages: Json[], sections: Sections }> {
  const pages: Json[] = []
  const sections: Sections = { resourceTypes: [], resources: [], entitlements: [], grants: [] }
  let token = ''
  do {
    const q = new URLSearchParams({ pageSize: String(pageSize) })
    if (token !== '') q.set('pageToken', token)
    const { status, body } = await json(app, `/sync?${q}`)
    if (status !== 200) throw new Error(`GET /sync → ${status} ${JSON.stringify(body)}`)
    pages.push(body)
    for (const name of SECTIONS) sections[name].push(...body[name])
    token = body.nextPageToken
  } while (token !== '' && pages.length < 10_000)
  return { pages, sections }
}

async function ndjson (app: TestApp): Promise<{ res: Response, lines: Json[], text: string }> {
  const res = await app.request('/sync', { headers: { accept: 'application/x-ndjson' } })
  const text = await res.text()
  return { res, text, lines: text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l)) }
}

const LINE_SECTION: Record<string, SectionName> = { resourceType: 'resourceTypes', resource: 'resources', entitlement: 'entitlements', grant: 'grants' }

function sectionsOfLines (lines: Json[]): Sections {
  const sections: Sections = { resourceTypes: [], resources: [], entitlements: [], grants: [] }
  for (const line of lines.slice(1, -1)) {
    const [key] = Object.keys(line)
    sections[LINE_SECTION[key as string] as SectionName].push(line[key as string])
  }
  return sections
}

const keyOf = (name: SectionName, o: Json): string =>
  name === 'resources' ? `${o.id.resourceType}/${o.id.resource}` : o.id

/** The diff computed independently from two full reads: what a client would derive by comparing them. */
function oracleDiff (before: Sections, after: Sections) {
  const out = { upserts: {} as Record<string, Json[]>, deletions: {} as Record<string, string[]> }
  for (const name of ['resources', 'entitlements', 'grants'] as const) {
    const old = new Map(before[name].map((o) => [keyOf(name, o), JSON.stringify(o)]))
    const now = new Set(after[name].map((o) => keyOf(name, o)))
    out.upserts[name] = after[name].filter((o) => old.get(keyOf(name, o)) !== JSON.stringify(o))
    out.deletions[name] = before[name].map((o) => keyOf(name, o)).filter((k) => !now.has(k))
  }
  return out
}

function checkSchema (t: Test, schema: Json, value: Json, what: string): void {
  const errors = [...Value.Errors(schema, REFS, value)].slice(0, 3).map((e) => `${e.path}: ${e.message}`)
  t.strictSame(errors, [], `${what} matches its schema`)
}

async function stack (t: Test, opts: Parameters<typeof injectStack>[0] = {}): Promise<TestStack> {
  const s = await injectStack(opts)
  t.teardown(() => s.close())
  return s
}

t.test('POST /sync → 202 with the job and its Location; a second POST joins the running sync', async (t) => {
  const s = await stack(t)
  s.sim.control.set({ latencyMs: 30 }) // long enough for the second POST to find the sync running
  const [a, b] = await Promise.all([json(s, '/sync', { method: 'POST' }), json(s, '/sync', { method: 'POST' })])
  t.equal(a.status, 202)
  t.equal(b.status, 202)
  t.match(a.body, { status: 'running', trigger: 'api', progress: { phase: String } })
  t.match(a.body.id, /^job_[0-9A-Za-z]{27}$/)
  t.equal(a.headers.get('location'), `/sync/jobs/${a.body.id}`)
  t.equal(b.body.id, a.body.id, 'joined the running job')
  t.equal(b.headers.get('location'), a.headers.get('location'))
  checkSchema(t, SyncJobSchema, a.body, 'the job')

  const done = await waitForJob(s, a.body.id)
  t.match(done, { id: a.body.id, status: 'succeeded', trigger: 'api', progress: { phase: 'finished' } })
  t.match(done.syncId, /^[0-9A-Za-z]{27}$/)
  t.type(done.durationMs, 'number')
  checkSchema(t, SyncJobSchema, done, 'the finished job')

  const page = await json(s, '/sync?pageSize=1')
  t.equal(page.body.syncId, done.syncId, 'the job published the current snapshot')

  const list = await json(s, '/sync/jobs')
  t.equal(list.status, 200)
  t.equal(list.body.list[0].id, a.body.id, 'newest first')
  t.match(list.body.list.map((j: Json) => j.trigger), ['api', 'startup'])
  t.equal(list.body.list.length, 2, 'the joined POST started no second job')
})

t.test('POST /sync bodies: none or JSON are fine, other media types 415, broken JSON 400', async (t) => {
  const s = await stack(t)
  const empty = await json(s, '/sync', { method: 'POST', headers: { 'content-type': 'application/json' } })
  t.equal(empty.status, 202, 'empty application/json body')
  const obj = await json(s, '/sync', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"full":true}' })
  t.equal(obj.status, 202, 'a JSON body is ignored')
  t.equal(obj.body.id, empty.body.id, 'same running job (or the one that just ran)')
  await s.app.syncEngine.whenIdle()

  const text = await json(s, '/sync', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'go' })
  t.equal(text.status, 415)
  t.match(text.headers.get('content-type'), /^application\/problem\+json/)
  t.match(text.body, { status: 415, title: String, detail: String })
  const form = await json(s, '/sync', { method: 'POST', body: new URLSearchParams({ a: '1' }) })
  t.equal(form.status, 415)
  const broken = await json(s, '/sync', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' })
  t.equal(broken.status, 400)
  t.match(broken.headers.get('content-type'), /^application\/problem\+json/)
  t.equal(s.app.syncEngine.running(), undefined, 'rejected requests started nothing')
})

t.test('GET /sync/jobs/:id: 404 problem for an unknown job, 400 for a malformed id', async (t) => {
  const s = await stack(t)
  const unknown = await json(s, `/sync/jobs/job_${newSyncId()}`)
  t.equal(unknown.status, 404)
  t.match(unknown.headers.get('content-type'), /^application\/problem\+json/)
  t.match(unknown.body, { status: 404, detail: /GET \/sync\/jobs/ })
  const malformed = await json(s, '/sync/jobs/nope')
  t.equal(malformed.status, 400)
  t.match(malformed.headers.get('content-type'), /^application\/problem\+json/)
})

t.test('a paged walk, the NDJSON stream and the stats all describe the same snapshot', async (t) => {
  const s = await stack(t, { simulator: { users: 60, groups: 6, seed: 7 } })
  const { pages, sections } = await walk(s, 7)
  const first = pages[0]
  t.ok(pages.length > 3, `${pages.length} pages`)
  t.ok(pages.every((p) => p.syncId === first.syncId && p.snapshotAt === first.snapshotAt), 'one point in time')
  t.ok(pages.every((p) => SECTIONS.reduce((n, name) => n + p[name].length, 0) <= 7), 'pageSize honoured')
  t.equal(pages.at(-1).nextPageToken, '')
  t.match(first, { schema: 'c1.connector.v2+json;v=1', syncType: 'full', app: { displayName: 'Zuora' } })
  t.strictSame(first.integrity, { danglingGrantEntitlements: 0, danglingGrantPrincipals: 0 })
  for (const p of pages) checkSchema(t, SyncPageSchema, p, `page of ${p.syncId}`)

  // Counts agree with the stats and the simulator.
  t.strictSame(sections.resourceTypes.map((r) => r.id), ['user', 'role', 'group'])
  const count = (type: string): number => sections.resources.filter((r) => r.id.resourceType === type).length
  t.equal(count('user'), 60)
  t.equal(count('group'), 6)
  t.strictSame(first.stats.resources, { user: count('user'), role: count('role'), group: count('group') })
  t.equal(first.stats.entitlements, sections.entitlements.length)
  t.equal(first.stats.grants, sections.grants.length)
  // Referential integrity, checked by the client side.
  const entitlementIds = new Set(sections.entitlements.map((e) => e.id))
  const resourceIds = new Set(sections.resources.map((r) => `${r.id.resourceType}/${r.id.resource}`))
  t.ok(sections.grants.every((g) => entitlementIds.has(g.entitlement.id)), 'every grant entitlement is listed')
  t.ok(sections.grants.every((g) => resourceIds.has(`user/${g.principal.id.resource}`)), 'every grant principal is listed')

  const { res, lines } = await ndjson(s)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^application\/x-ndjson/)
  t.match(lines[0], { snapshot: { syncId: first.syncId, integrity: { danglingGrantEntitlements: 0, danglingGrantPrincipals: 0 } } })
  const total = SECTIONS.reduce((n, name) => n + sections[name].length, 0)
  t.strictSame(lines.at(-1), { end: { syncId: first.syncId, items: total } })
  t.strictSame(sectionsOfLines(lines), sections, 'NDJSON content == paged content, in the same order')

  // Conditional reads: same snapshot and query → 304.
  const tagged = await s.request('/sync?pageSize=7')
  const tag = tagged.headers.get('etag')
  t.match(tag, /^W\/"/)
  await tagged.arrayBuffer()
  const again = await s.request('/sync?pageSize=7', { headers: { 'if-none-match': tag as string } })
  t.equal(again.status, 304)
  const other = await s.request('/sync?pageSize=8', { headers: { 'if-none-match': tag as string } })
  t.equal(other.status, 200, 'another page size is another answer')
  await other.arrayBuffer()

  // Any page size gives the same sequence.
  const big = await walk(s, 250)
  t.strictSame(big.sections, sections)
})

t.test('page tokens keep serving their snapshot after a new publish, and answer 410 once it is evicted', async (t) => {
  const s = await stack(t)
  const p1 = await json(s, '/sync?pageSize=5')
  const old = p1.body.syncId
  const token = p1.body.nextPageToken
  t.not(token, '')
  const p2before = await json(s, `/sync?pageSize=5&pageToken=${encodeURIComponent(token)}`)

  s.sim.control.addUser({ roles: ['USER'] })
  const job = await sync(s)
  t.equal(job.status, 'succeeded')
  t.not(job.syncId, old)
  t.equal((await json(s, '/sync?pageSize=1')).body.syncId, job.syncId, 'a new walk starts on the new snapshot')

  const p2 = await json(s, `/sync?pageSize=5&pageToken=${encodeURIComponent(token)}`)
  t.equal(p2.status, 200)
  t.equal(p2.body.syncId, old, 'the walk continues on its own snapshot')
  t.strictSame(p2.body, p2before.body, 'the same page as before the publish')
  t.equal(p2.body.resources.length, 5, 'page 1 = 3 resource types + 2 resources; page 2 = 5 resources')

  // The holder keeps a few snapshots; publish until the old one is gone.
  for (let i = 0; i < 3; i++) t.equal((await sync(s)).status, 'succeeded')
  const gone = await json(s, `/sync?pageSize=5&pageToken=${encodeURIComponent(token)}`)
  t.equal(gone.status, 410)
  t.match(gone.headers.get('content-type'), /^application\/problem\+json/)
  t.match(gone.body, { status: 410, type: /snapshot-expired$/ })

  const forged = await json(s, '/sync?pageToken=not-a-token')
  t.equal(forged.status, 400)
  t.match(forged.body, { status: 400, type: /invalid-page-token$/ })
  const tooBig = await json(s, '/sync?pageSize=251')
  t.equal(tooBig.status, 400)
})

t.test('since: exact diffs after users are added, disabled, removed and roles and groups change', async (t) => {
  const s = await stack(t, { simulator: { users: 40, groups: 4, seed: 3 } })
  const before = await ndjson(s)
  const from = before.lines[0].snapshot.syncId
  const beforeSections = sectionsOfLines(before.lines)

  const nothing = await json(s, `/sync?since=${from}`)
  t.equal(nothing.status, 200)
  t.strictSame(nothing.body, {
    fromSyncId: from,
    toSyncId: from,
    upserts: { resources: [], entitlements: [], grants: [] },
    deletions: { resources: [], entitlements: [], grants: [] }
  }, 'since = current: empty diff')

  const c = s.sim.control
  const [g0, g1] = c.groups()
  const users = c.users()
  const active = users.filter((u) => u.status === 'ACTIVE')
  const added = c.addUser({ roles: ['USER', 'AUDITOR'], groups: [g0!.id] })
  const disabled = active[0]!
  c.disableUser(disabled.id)
  const removed = users.find((u) => u.groups.length > 0 && u.id !== disabled.id)!
  const removedGroups = [...removed.groups]
  const removedRoles = [...removed.roles]
  c.removeUser(removed.id)
  const promoted = active.find((u) => u.id !== removed.id && u.id !== disabled.id && !u.roles.includes('ADMIN'))!
  const promotedRoles = [...promoted.roles]
  c.setRoles(promoted.id, ['ADMIN'])
  const joiner = active.find((u) => ![disabled.id, removed.id, promoted.id].includes(u.id) && !u.groups.includes(g1!.id))!
  c.addMember(g1!.id, joiner.id)

  const job = await sync(s)
  t.equal(job.status, 'succeeded')
  const after = await ndjson(s)
  const to = after.lines[0].snapshot.syncId
  t.equal(to, job.syncId)

  const diff = await json(s, `/sync?since=${from}`)
  t.equal(diff.status, 200)
  t.match(diff.headers.get('content-type'), /^application\/json/)
  checkSchema(t, SyncDiffSchema, diff.body, 'the diff')
  t.equal(diff.body.fromSyncId, from)
  t.equal(diff.body.toSyncId, to)
  const oracle = oracleDiff(beforeSections, sectionsOfLines(after.lines))
  for (const name of ['resources', 'entitlements', 'grants'] as const) {
    t.strictSame(diff.body.upserts[name], oracle.upserts[name], `upserts.${name} = full read B minus full read A`)
    t.strictSame(diff.body.deletions[name].map((d: Json) => name === 'resources' ? `${d.resourceType}/${d.resource}` : d.id),
      oracle.deletions[name], `deletions.${name}`)
  }

  // And the changes we made, named.
  const upserted = new Set(diff.body.upserts.resources.map((r: Json) => `${r.id.resourceType}/${r.id.resource}`))
  for (const id of [`user/${added.id}`, `user/${disabled.id}`, `user/${promoted.id}`, `user/${joiner.id}`, 'role/AUDITOR', 'role/ADMIN']) {
    t.ok(upserted.has(id), `${id} upserted`)
  }
  t.match(diff.body.upserts.resources.find((r: Json) => r.id.resource === disabled.id), { status: { status: 'RESOURCE_STATUS_DISABLED' } })
  t.ok(diff.body.deletions.resources.some((r: Json) => r.resourceType === 'user' && r.resource === removed.id), 'removed user deleted')
  t.strictSame(diff.body.upserts.entitlements.map((e: Json) => e.id), ['role:AUDITOR:assigned'], 'one new entitlement')
  const grantUps = diff.body.upserts.grants.map((g: Json) => g.id)
  const grantDels = diff.body.deletions.grants.map((g: Json) => g.id)
  for (const id of [
    `role:USER:assigned:user:${added.id}`, `role:AUDITOR:assigned:user:${added.id}`, `group:${g0!.id}:member:user:${added.id}`,
    `role:ADMIN:assigned:user:${promoted.id}`, `group:${g1!.id}:member:user:${joiner.id}`
  ]) t.ok(grantUps.includes(id), `grant ${id} upserted`)
  for (const role of removedRoles) t.ok(grantDels.includes(`role:${role}:assigned:user:${removed.id}`), `role grant of the removed user deleted (${role})`)
  for (const g of removedGroups) t.ok(grantDels.includes(`group:${g}:member:user:${removed.id}`), `group grant of the removed user deleted (${g})`)
  for (const role of promotedRoles) t.ok(grantDels.includes(`role:${role}:assigned:user:${promoted.id}`), `old role grant of the promoted user deleted (${role})`)
  t.notOk([...grantUps, ...grantDels].some((id: string) => id.endsWith(`:user:${disabled.id}`)), 'disabling a user changes no grant')

  // The same diff twice (served from the memo) is identical.
  t.strictSame((await json(s, `/sync?since=${from}`)).body, diff.body)
})

t.test('since: bad input → 400, unknown or evicted → 410 telling to do a full read', async (t) => {
  const s = await stack(t)
  const bad = await json(s, '/sync?since=abc')
  t.equal(bad.status, 400)
  t.match(bad.headers.get('content-type'), /^application\/problem\+json/)
  t.match(bad.body, { status: 400, detail: /syncId/ })
  const outOfRange = await json(s, `/sync?since=${'z'.repeat(27)}`)
  t.equal(outOfRange.status, 400, 'base62 but above the 160-bit range')

  const unknown = await json(s, `/sync?since=${newSyncId()}`)
  t.equal(unknown.status, 410)
  t.match(unknown.body, { status: 410, type: /snapshot-expired$/, detail: /full read/ })

  const first = (await json(s, '/sync?pageSize=1')).body.syncId
  for (let i = 0; i < 3; i++) await sync(s)
  const evicted = await json(s, `/sync?since=${first}`)
  t.equal(evicted.status, 410)
  t.match(evicted.body, { type: /snapshot-expired$/, detail: /full read/ })

  const both = await json(s, `/sync?since=${first}&pageToken=abc`)
  t.equal(both.status, 400, 'since and pageToken do not combine')
  const ndjsonDiff = await json(s, `/sync?since=${first}`, { headers: { accept: 'application/x-ndjson' } })
  t.equal(ndjsonDiff.status, 406, 'the diff has no NDJSON form')
})

t.test('before the first snapshot every read is 503; requests without a token are 401', async (t) => {
  const app = await injectTestApp({ startSync: false, t })
  const page = await json(app, '/sync')
  t.equal(page.status, 503)
  t.match(page.headers.get('content-type'), /^application\/problem\+json/)
  t.match(page.body, { status: 503, type: /snapshot-not-ready$/ })
  t.equal((await json(app, '/sync', { headers: { accept: 'application/x-ndjson' } })).status, 503)
  t.equal((await json(app, `/sync?since=${newSyncId()}`)).status, 503)
  const jobs = await json(app, '/sync/jobs')
  t.strictSame(jobs.body, { list: [] })

  const anonymous = await app.request('/sync', { token: null })
  t.equal(anonymous.status, 401)
  const anonymousPost = await app.request('/sync', { method: 'POST', token: null })
  t.equal(anonymousPost.status, 401)
  t.equal(app.app.syncEngine.running(), undefined, 'an unauthenticated POST starts nothing')
})
