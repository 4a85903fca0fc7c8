import { readdir, readFile, writeFile } from 'node:fs/promises'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { startStack, startTestApp } from '../helper.ts'

t.test('a restart serves the persisted snapshot at once, before any sync', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sync-plugin-'))
  const first = await startStack({ env: { DATA_DIR: dataDir }, simulator: { users: 20, groups: 2 } })
  const syncId = first.app.snapshots.current()?.syncId
  t.ok(syncId, 'the start-up sync published a snapshot')
  await first.close()

  const again = await startTestApp({ t, startSync: false, env: { DATA_DIR: dataDir, ZUORA_TENANT_BASE_URL: first.sim.url } })
  t.equal(again.app.snapshots.current()?.syncId, syncId, 'restored from DATA_DIR')
  const res = await again.request('/users?pageSize=1')
  t.equal(res.status, 200)
})

t.test('a restart serves the current snapshot, then holds the previous one behind it (page tokens, since)', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sync-plugin-'))
  const first = await startStack({ env: { DATA_DIR: dataDir }, simulator: { users: 20, groups: 2 } })
  const older = first.app.snapshots.current()?.syncId
  first.app.syncEngine.trigger('api')
  await first.app.syncEngine.whenIdle()
  const newer = first.app.snapshots.current()?.syncId
  await first.close()

  const again = await startTestApp({ t, startSync: false, env: { DATA_DIR: dataDir, ZUORA_TENANT_BASE_URL: first.sim.url } })
  t.equal(again.app.snapshots.current()?.syncId, newer, 'the current one is served')
  for (let i = 0; i < 500 && again.app.snapshots.get(older as string) === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.same(again.app.snapshots.all().map((s) => s.syncId), [newer, older], 'the previous one is held behind it')
})

t.test('a snapshot of another tenant or OAuth client is never restored', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sync-plugin-'))
  const first = await startStack({ env: { DATA_DIR: dataDir }, simulator: { users: 5, groups: 1 } })
  t.ok(first.app.snapshots.current())
  await first.close()
  const other = await startTestApp({ t, startSync: false, env: { DATA_DIR: dataDir, ZUORA_TENANT_BASE_URL: first.sim.url, ZUORA_OAUTH_CLIENT_ID: 'another-oauth-client' } })
  t.equal(other.app.snapshots.current(), undefined, 'nothing restored: the data belongs to another directory')
  t.equal((await other.request('/users')).status, 503)
})

t.test('a truncated snapshot file is rejected, the older good one is served', async t => {
  const dataDir = await mkdtemp(join(tmpdir(), 'sync-plugin-'))
  const stack = await startStack({ env: { DATA_DIR: dataDir }, simulator: { users: 10, groups: 1 } })
  const older = stack.app.snapshots.current()?.syncId
  stack.app.syncEngine.trigger('api')
  await stack.app.syncEngine.whenIdle()
  const newer = stack.app.snapshots.current()?.syncId
  t.not(newer, older)
  await stack.close()

  const files = (await readdir(dataDir)).filter(f => f.endsWith('.ndjson')).sort()
  t.equal(files.length, 2)
  const newest = join(dataDir, files[1] as string)
  const bytes = await readFile(newest)
  await writeFile(newest, bytes.subarray(0, Math.floor(bytes.length / 2)))

  const again = await startTestApp({ t, startSync: false, env: { DATA_DIR: dataDir, ZUORA_TENANT_BASE_URL: stack.sim.url } })
  t.equal(again.app.snapshots.current()?.syncId, older, 'the truncated newer file is never served')
})

t.test('no snapshot yet: data endpoints answer 503 with Retry-After, never an empty 200', async t => {
  const app = await startTestApp({ t, startSync: false })
  const res = await app.request('/users')
  t.equal(res.status, 503)
  t.ok(res.headers.get('retry-after'))
  t.match(res.headers.get('content-type'), /application\/problem\+json/)
})
