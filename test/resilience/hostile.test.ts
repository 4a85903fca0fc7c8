/**
 * Hostile upstream: the simulator answers enormous pages, deeply nested JSON, wrong types, duplicate ids,
 * lying totalResults, and redirects to another host. The connection must keep memory bounded, fail with a
 * clear ZuoraError (or read correctly), never follow a redirect, and a failed sync must publish nothing.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { startSimulator, type HostileOptions, type RunningSimulator } from '#simulator/index.ts'
import { createZuoraConnection } from '#src/zuora/connection.ts'
import { isZuoraError } from '#src/zuora/errors.ts'
import type { DirectoryRead } from '#src/zuora/types.ts'
import { configForSimulator } from '../../bench/lib/config.ts'
import { content, syncStack } from './sync-harness.ts'

const USERS = 450
const GROUPS = 12
const ENV = { ZUORA_USERS_PAGE_SIZE: '50', ZUORA_GROUPS_PAGE_SIZE: '10', ZUORA_MAX_CONCURRENCY: '4', ZUORA_MAX_ATTEMPTS: '2', ZUORA_REQUEST_TIMEOUT_MS: '5000' }
const TUNING = { maxResponseBytes: 1024 * 1024, backoff: { baseMs: 5, capMs: 20 } }

async function sim (t: Tap, hostile: HostileOptions = {}): Promise<RunningSimulator> {
  const s = await startSimulator({ users: USERS, groups: GROUPS, seed: 3, hostile })
  t.teardown(() => s.close())
  return s
}

interface Tap { teardown (fn: () => unknown): void }

async function read (s: RunningSimulator): Promise<{ ok: DirectoryRead } | { err: unknown }> {
  const conn = createZuoraConnection(configForSimulator(s.url, ENV).zuora, {}, TUNING)
  try {
    return { ok: await conn.readDirectory() }
  } catch (err) {
    return { err }
  } finally {
    await conn.close()
  }
}

function zuoraError (t: Test, r: { ok: DirectoryRead } | { err: unknown }, kinds: string | string[], message: RegExp): void {
  const allowed = Array.isArray(kinds) ? kinds : [kinds]
  if ('ok' in r) {
    t.ok(false, `expected a ZuoraError (${allowed.join('/')}), the read succeeded`)
    return
  }
  const err = r.err as Error & { kind?: string }
  t.ok(isZuoraError(err), `a ZuoraError (got ${err?.name}: ${err?.message})`)
  t.ok(allowed.includes(err.kind ?? ''), `kind ${err.kind} in ${allowed.join('/')}: ${err.message}`)
  t.match(err.message, message, 'a message that says what went wrong')
}

t.test('enormous pages: refused at the byte cap, not buffered, not retried forever', async t => {
  const s = await sim(t, { hugePage: 4 * 1024 * 1024 })
  const before = process.memoryUsage().rss
  const r = await read(s)
  zuoraError(t, r, 'payload', /byte|size|large|limit|MB|MiB/i)
  const c = s.control.counters()
  t.ok(c.totalRequests <= 1 + 2 * 4 + 4, `bounded requests (${c.totalRequests})`)
  // generous sanity bound: pages are 4 MB each and the cap is 1 MB; nothing near the whole directory is held
  t.ok(process.memoryUsage().rss - before < 256 * 1024 * 1024, 'memory stays bounded')
})

t.test('enormous pages with the production byte cap (32 MiB): refused from the declared length', async t => {
  const s = await sim(t, { hugePage: 40 * 1024 * 1024 })
  const conn = createZuoraConnection(configForSimulator(s.url, ENV).zuora)
  t.teardown(() => conn.close())
  const r = await conn.readDirectory().then(ok => ({ ok }), (err: unknown) => ({ err }))
  zuoraError(t, r, 'payload', /too large/)
})

t.test('deeply nested JSON: a clean read or a payload error, never a crash', async t => {
  const s = await sim(t, { deepNesting: 50_000 })
  const r = await read(s)
  if ('ok' in r) {
    t.equal(r.ok.users.length, USERS, 'every user read (the unknown extension is ignored)')
  } else {
    zuoraError(t, r, 'payload', /\S/)
  }
})

t.test('wrong types: a payload error naming the resource and the field', async t => {
  const s = await sim(t, { wrongTypes: true })
  const r = await read(s)
  zuoraError(t, r, 'payload', /roles|active/)
  if ('err' in r) t.match((r.err as Error).message, /[0-9a-f]{8}|id/i, 'names the resource')
})

t.test('duplicate ids across pages: they hide missing users, so the read fails clearly (never a partial read)', async t => {
  const s = await sim(t, { duplicateIds: true })
  const r = await read(s)
  // 450 users listed as 457 rows (totalResults 457): 450 distinct ids can never account for 457 resources
  zuoraError(t, r, 'upstream', /450 distinct resources read although totalResults is 457 \(duplicates hide missing resources\)/)
  if ('err' in r) t.match((r.err as Error).message, /No partial directory/)
  // users: count 50, step 49 → 1 + ceil(407/49) = 10 pages per read, 3 full reads, and the start-index probe (once per read)
  t.equal(s.control.counters().pagesServed.users, 3 * 10 + 1, 'bounded: the listing re-read twice, then the error')
})

for (const lie of [75, -75, 1_000_000_000]) {
  t.test(`totalResults lies by ${lie}: never a short read`, async t => {
    const s = await sim(t, { totalResultsLie: lie })
    const r = await read(s)
    const c = s.control.counters()
    t.ok(c.totalRequests < 200, `requests stay bounded (${c.totalRequests})`)
    if ('ok' in r) {
      t.equal(r.ok.users.length, USERS, 'a successful read is complete')
      t.equal(r.ok.groups.length, GROUPS)
    } else {
      zuoraError(t, r, ['payload', 'upstream'], /totalResults|page|listing|unstable|moved|claim/i)
    }
  })
}

t.test('redirects to another host are never followed', async t => {
  let trapped = 0
  const trap: Server = createServer((_req, res) => { trapped++; res.end('{}') })
  await new Promise<void>(resolve => trap.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise(resolve => trap.close(resolve)))
  const trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}`
  for (const redirect of [trapUrl, true]) {
    const s = await sim(t, { redirect })
    const r = await read(s)
    t.ok('err' in r, 'the read fails')
    if ('err' in r) {
      const err = r.err as Error & { kind?: string }
      t.ok(isZuoraError(err), `a ZuoraError: ${err.message}`)
      t.match(err.message, /redirect/i, 'saying it was a redirect')
      t.notMatch(err.message, /\/scim\/v2\/Users\?|access_token/, 'without leaking the target path or a token')
    }
  }
  t.equal(trapped, 0, 'the other host received nothing')
})

t.test('a hostile sync fails and publishes nothing; the previous snapshot is served', async t => {
  const stack = await syncStack(t, { users: USERS, groups: GROUPS, seed: 3 }, ENV)
  t.equal((await stack.sync()).status, 'succeeded')
  const before = stack.holder.current()
  const expected = content(before!)
  const modes: HostileOptions[] = [{ wrongTypes: true }, { redirect: true }, { totalResultsLie: -75 }, { totalResultsLie: 75 }, { duplicateIds: true }]
  for (const hostile of modes) {
    stack.sim.control.set({ hostile })
    const job = await stack.sync()
    const current = stack.holder.current()
    if (hostile.duplicateIds === true) t.equal(job.status, 'failed', 'duplicate ids: the sync fails (they hide missing users)')
    if (job.status === 'succeeded') {
      t.equal(content(current!), expected, `${JSON.stringify(hostile)}: tolerated, and the snapshot is exactly the clean one`)
    } else {
      t.equal(job.status, 'failed', `${JSON.stringify(hostile)}: failed (${job.error?.detail})`)
      t.ok(job.error?.detail, 'with a reason')
      t.equal(current?.syncId, before?.syncId, 'previous snapshot still current')
    }
    for (const p of stack.published) t.equal(content(p), expected, 'nothing but clean snapshots was ever published')
  }
  stack.sim.control.set({ hostile: {} })
})
