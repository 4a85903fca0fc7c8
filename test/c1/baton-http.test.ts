/**
 * c1/baton-http.yaml, executed: its structure is checked against our schema of C1's "HTTP authoring" docs, then it
 * is run against the service (over loopback) and what it builds must be exactly the snapshot of GET /sync:
 * resources, entitlements and grants, with baton-sdk's ids. Once on a synced simulator, once on a hostile directory.
 */
import t from 'tap'
import type { Test } from 'tap'
import type { DirectoryGroup, DirectoryUser } from '#src/directory/types.ts'
import { snapshotOf, startStack, startTestApp, testDirectory } from '../helper.ts'
import type { TestApp } from '../helper.ts'
import { celPaths, configErrors, loadConfig, runConfig, valueLint } from './baton-http-runner.ts'
import type { Mapped } from './baton-http-runner.ts'

type Json = any

const CONFIG_PATH = new URL('../../c1/baton-http.yaml', import.meta.url)
const PREFIX = 'type.googleapis.com/c1.connector.v2.'

t.test('the config conforms to the documented structure and prefixes every expression', async t => {
  const config = loadConfig(CONFIG_PATH)
  t.strictSame(configErrors(config), [], 'no schema errors')
  t.strictSame(valueLint(config), [], 'every expression carries cel:, every templated URL tmpl:')
})

t.test('the schema names the path of a misplaced or unknown key', async t => {
  const config = loadConfig(CONFIG_PATH)
  const user = config.resource_types.user
  user.resource_mapping = user.list.response.resource_mapping
  delete user.list.response.resource_mapping
  config.error_handling.retry_on_status = [429]
  config.connect.request_defaults.query_params.pageSize = 250
  const errors = configErrors(config)
  t.ok(errors.includes("/resource_types/user: must NOT have additional properties 'resource_mapping'"), errors.join('\n'))
  t.ok(errors.includes("/resource_types/user/list/response: must have required property 'resource_mapping'"))
  t.ok(errors.includes("/error_handling: must NOT have additional properties 'retry_on_status'"))
  t.strictSame(valueLint({ a: { id: 'item.id', url: '/roles/{{ resource.id }}/grants', ok: 'cel:item.id' } }), [
    '/a/id: "item.id" reads like an expression but is a literal (no cel: prefix)',
    '/a/url: "/roles/{{ resource.id }}/grants" is a template without the tmpl: prefix'
  ])
})

t.test('on a synced simulator it builds exactly the snapshot of /sync', async t => {
  const stack = await startStack({ t, simulator: { users: 620, groups: 6, seed: 12 } })
  await check(t, stack)
})

t.test('on a hostile directory it builds exactly the snapshot of /sync', async t => {
  const app = await startTestApp({ t, snapshot: snapshotOf(hostileDirectory()) })
  const mapped = await check(t, app)
  const users = new Map(mapped.resources.filter(r => r.type === 'user').map(r => [r.id, r]))
  t.equal(users.get('hostile-no-email')?.email, '', 'no email → ""')
  t.equal(users.get('hostile-no-primary')?.email, 'first@example.com', 'no primary → the first valid address')
  t.equal(users.get('hostile-no-login')?.login, '', 'no userName → ""')
  t.ok(mapped.grants.some(g => g.entitlementId === 'role:Billing Admin:assigned'), 'a role with a space is walked')
  t.ok(mapped.grants.some(g => g.entitlementId === 'role:Rôle ünïcødé:assigned'), 'a unicode role is walked')
})

async function check (t: Test, app: TestApp): Promise<Mapped> {
  const config = loadConfig(CONFIG_PATH)
  const mapped = await runConfig(config, { env: { ZC1_BASE_URL: app.url, ZC1_API_TOKEN: app.token } })
  const expected = await fromSync(t, app)
  t.ok(expected.resources.length > 0 && expected.grants.length > 0, `${expected.resources.length} resources, ${expected.grants.length} grants`)
  t.strictSame(sortBy(mapped.resources, r => `${r.type}/${r.id}`), sortBy(expected.resources, r => `${r.type}/${r.id}`), 'resources')
  t.strictSame(sortBy(mapped.entitlements, e => e.id), sortBy(expected.entitlements, e => e.id), 'entitlements')
  t.strictSame(sortBy(mapped.grants, g => g.id), sortBy(expected.grants, g => g.id), 'grants')
  t.ok(mapped.requests.every(r => r.includes('view=flat') && r.includes('pageSize=250')), 'every request asks for flat pages of 250')
  t.equal(new Set(mapped.requests).size, mapped.requests.length, 'no request is made twice')
  const cel = celPaths(config)
  t.ok(cel.length > 20, `${cel.length} cel: expressions in the config`)
  t.strictSame(cel.filter(p => !mapped.evaluated.has(p)), [], 'every cel: expression was evaluated')
  return mapped
}

/** What baton-http must produce, derived from the protojson snapshot (GET /sync as NDJSON). */
async function fromSync (t: Test, app: TestApp): Promise<Pick<Mapped, 'resources' | 'entitlements' | 'grants'>> {
  const res = await app.request('/sync', { headers: { accept: 'application/x-ndjson' } })
  t.equal(res.status, 200)
  const lines: Json[] = (await res.text()).split('\n').filter(l => l !== '').map(l => JSON.parse(l))
  const of = (key: string): Json[] => lines.filter(l => key in l).map(l => l[key])
  const resources = of('resource').map((r: Json) => {
    const type: string = r.id.resourceType
    const out: Json = { type, id: r.id.resource, displayName: r.displayName }
    if (type !== 'user') out.description = r.description
    if (type === 'user') {
      const trait = r.annotations.find((a: Json) => a['@type'] === `${PREFIX}UserTrait`)
      const emails: Json[] = trait.emails ?? []
      out.email = (emails.find(e => e.isPrimary) ?? emails[0])?.address ?? ''
      out.login = trait.login ?? ''
      out.status = r.status.status === 'RESOURCE_STATUS_ENABLED' ? 'enabled' : 'disabled'
      out.profile = { zuoraStatus: r.profile.rawStatus ?? '', statusDetails: r.status.details ?? '', createdAt: r.createdAt ?? '' }
    }
    if (type === 'group') out.profile = { status: r.status.status === 'RESOURCE_STATUS_ENABLED' ? 'enabled' : 'disabled' }
    return out
  })
  const entitlements = of('entitlement').map((e: Json) => ({
    id: e.id,
    resourceType: e.resource.id.resourceType,
    resourceId: e.resource.id.resource,
    slug: e.slug,
    displayName: e.displayName,
    description: e.description,
    purpose: e.purpose === 'PURPOSE_VALUE_ASSIGNMENT' ? 'assignment' : e.purpose,
    grantableTo: e.grantableTo.map((rt: Json) => rt.id)
  }))
  const grants = of('grant').map((g: Json) => ({
    id: g.id,
    entitlementId: g.entitlement.id,
    principalType: g.principal.id.resourceType,
    principalId: g.principal.id.resource
  }))
  return { resources, entitlements, grants }
}

function sortBy<T> (items: T[], key: (x: T) => string): T[] {
  return [...items].sort((a, b) => key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)
}

/** Users without email, without a primary one, without roles or login, unicode and odd role values, bad dates. */
function hostileDirectory (): { users: DirectoryUser[], groups: DirectoryGroup[] } {
  const base = testDirectory({ users: 30, groups: 3, seed: 3 })
  const [a, b, c, d, e, f, g, h] = base.users as [DirectoryUser, ...DirectoryUser[]] & DirectoryUser[]
  const odd = (u: DirectoryUser | undefined, id: string, patch: Partial<DirectoryUser>): DirectoryUser =>
    ({ ...(u as DirectoryUser), id, groups: [], ...patch })
  const users = [
    ...base.users.slice(8),
    odd(a, 'hostile-no-email', { emails: [] }),
    odd(b, 'hostile-no-primary', { emails: [{ value: 'not an email', primary: false }, { value: 'first@example.com', primary: false }, { value: 'second@example.com', primary: false }] }),
    odd(c, 'hostile-no-roles', { roles: [] }),
    odd(d, 'hostile-unicode', { displayName: 'Zoë 山田 👩‍💻', userName: 'zoë@例え.jp', roles: ['Rôle ünïcødé', 'USER'] }),
    odd(e, 'hostile-odd-roles', { roles: ['Billing Admin', 'a+b', 'x&y=z', 'ADMIN'].sort() }),
    odd(f, 'hostile-surrogate', { displayName: 'Broken \ud800 name', userName: 'lone\udc00@example.com', givenName: 'Lone\ud83d' }),
    odd(g, 'hostile-bad-dates', { created: '2023-02-30T10:00:00Z', status: 'SUSPENDED_BY_ROBOT', active: undefined }),
    odd(h, 'hostile-no-login', { userName: '', created: '2023-01-01T24:00:00Z' })
  ].sort((x, y) => x.id < y.id ? -1 : 1)
  const keep = new Set(users.map(u => u.id))
  const groups = base.groups.map((gr, i) => ({
    ...gr,
    displayName: i === 0 ? 'Équipe \ud800 finance' : gr.displayName,
    members: gr.members.filter(m => keep.has(m))
  }))
  return { users, groups }
}
