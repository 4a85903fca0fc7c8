/**
 * Fault suite: seeded random mixes of upstream faults (429 with a tiny Retry-After, 5xx, resets, slow answers,
 * gateway HTML, timeouts) plus token revocation mid-sync must all be ridden out with exactly the content of a
 * clean run. Mixes that also hold malformed bodies (a 200 with truncated JSON is not retried) may fail, but only
 * explicitly, with nothing published or persisted and the previous snapshot still served. Never a partial publish.
 */
import t, { type Test } from 'tap'
import type { FaultKind } from '#simulator/index.ts'
import { startStack } from '../helper.ts'
import { content, syncStack, type SyncStack } from './sync-harness.ts'

const RETRYABLE: FaultKind[] = ['429', '500', '502', '503', '504', 'reset', 'slow', 'html502']
const ALL_KINDS: FaultKind[] = [...RETRYABLE, 'malformed']
const SIM = { users: 420, groups: 25, seed: 11, retryAfterSeconds: 0, slowMs: 30 } as const
// small pages: ~30 requests per sync, so every seed meets several faults
const ENV = { ZUORA_USERS_PAGE_SIZE: '20', ZUORA_GROUPS_PAGE_SIZE: '10', ZUORA_MAX_CONCURRENCY: '4', ZUORA_REQUEST_TIMEOUT_MS: '2000' }
// enough attempts that a retryable mix at ≤ 25 % never exhausts them (0.25^10 ≈ 1e-6 per request)
const PATIENT = { ...ENV, ZUORA_MAX_ATTEMPTS: '10' }

interface Outcome { status: string, faults: number }

/**
 * Runs one faulted sync on a stack whose current snapshot is the clean one, and checks the all-or-nothing rule:
 * a success publishes and persists exactly one snapshot with the clean content; a failure publishes and
 * persists nothing and leaves the previous snapshot current.
 */
async function faultedSync (t: Test, stack: SyncStack, expected: string, label: string): Promise<Outcome> {
  const before = stack.holder.current()
  const savedBefore = stack.store.saved.length
  const publishedBefore = stack.published.length
  const job = await stack.sync()
  const c = stack.sim.control.counters()
  const newlyPublished = stack.published.slice(publishedBefore)
  if (job.status === 'succeeded') {
    t.equal(newlyPublished.length, 1, `${label}: one publish`)
    const now = stack.holder.current()
    t.equal(now?.syncId, job.syncId, `${label}: the job's snapshot is current`)
    t.not(now?.syncId, before?.syncId, `${label}: a new snapshot`)
    t.equal(content(now!), expected, `${label}: byte-identical to the clean run (${c.faultsInjected} faults, ${c.tokenRequests} token requests)`)
    t.equal(stack.store.saved.length, savedBefore + 1, `${label}: persisted once`)
  } else {
    t.equal(job.status, 'failed', `${label}: failed, not aborted`)
    t.ok(job.error?.title, `${label}: the failure has a title`)
    t.ok(job.error?.detail, `${label}: and a detail (${job.error?.detail})`)
    t.equal(newlyPublished.length, 0, `${label}: nothing published`)
    t.equal(stack.store.saved.length, savedBefore, `${label}: nothing persisted`)
    t.equal(stack.holder.current()?.syncId, before?.syncId, `${label}: the previous snapshot is still served`)
  }
  for (const p of newlyPublished) t.equal(content(p), expected, `${label}: whatever was published has the clean content`)
  return { status: job.status, faults: c.faultsInjected }
}

async function cleanBaseline (t: Test, stack: SyncStack): Promise<string> {
  const clean = await stack.sync()
  t.equal(clean.status, 'succeeded', 'the clean sync succeeds')
  const baseline = stack.holder.current()
  if (baseline === undefined) throw new Error('no baseline snapshot')
  t.equal(baseline.integrity.danglingGrantEntitlements, 0)
  t.equal(baseline.integrity.danglingGrantPrincipals, 0)
  return content(baseline)
}

t.test('seeded retryable fault mixes + token revocation: every sync succeeds with the clean content', async t => {
  const stack = await syncStack(t, SIM, PATIENT)
  const expected = await cleanBaseline(t, stack)
  let faults = 0
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    stack.sim.control.resetCounters()
    stack.sim.control.set({ faults: { seed, rate: 0.1 + (seed % 4) * 0.05, kinds: RETRYABLE } })
    // token revocation mid-sync on every other seed
    if (seed % 2 === 0) stack.sim.control.mutateAfterPages(3 + seed, c => { c.revokeTokens() })
    const outcome = await faultedSync(t, stack, expected, `seed ${seed}`)
    stack.sim.control.set({ faults: null })
    t.equal(outcome.status, 'succeeded', `seed ${seed}: retryable faults are ridden out`)
    faults += outcome.faults
  }
  t.ok(faults > 20, `faults were injected (${faults})`)
})

t.test('seeded mixes with malformed bodies too: identical snapshot or explicit failure, never partial', async t => {
  const stack = await syncStack(t, SIM, ENV)
  const expected = await cleanBaseline(t, stack)
  const outcomes: Record<string, number> = {}
  for (const seed of [11, 12, 13, 14, 15, 16]) {
    stack.sim.control.resetCounters()
    stack.sim.control.set({ faults: { seed, rate: 0.15, kinds: ALL_KINDS } })
    if (seed % 2 === 0) stack.sim.control.mutateAfterPages(seed % 7, c => { c.revokeTokens() })
    const outcome = await faultedSync(t, stack, expected, `seed ${seed}`)
    stack.sim.control.set({ faults: null })
    outcomes[outcome.status] = (outcomes[outcome.status] ?? 0) + 1
  }
  t.comment(`outcomes ${JSON.stringify(outcomes)}`)
  t.equal(outcomes.aborted, undefined, 'no sync ends aborted')
})

t.test('answers slower than the request timeout are retried; same snapshot', async t => {
  // undici checks header and body timeouts on a coarse timer (about 1 s resolution), so a slow answer must be late by
  // more than that to be sure to time out: 2 s against a 250 ms timeout.
  const stack = await syncStack(t, { ...SIM, slowMs: 2000 }, { ...PATIENT, ZUORA_REQUEST_TIMEOUT_MS: '250' })
  const expected = await cleanBaseline(t, stack)
  stack.sim.control.resetCounters()
  stack.sim.control.set({ faults: { seed: 7, rate: 0.15, kinds: ['slow'] } })
  const outcome = await faultedSync(t, stack, expected, 'timeouts')
  stack.sim.control.set({ faults: null })
  t.equal(outcome.status, 'succeeded', 'timeouts are ridden out')
  t.ok(outcome.faults > 0, `slow answers were injected (${outcome.faults})`)
  t.ok(stack.zuora.stats().retries > 0, `and retried (${stack.zuora.stats().retries})`)
})

t.test('a page that keeps failing fails the sync; the previous snapshot stays', async t => {
  const stack = await syncStack(t, SIM, ENV)
  t.equal((await stack.sync()).status, 'succeeded')
  const before = stack.holder.current()
  for (const kind of ['503', 'malformed', 'reset'] as const) {
    stack.sim.control.clearFaults()
    stack.sim.control.failPage({ resource: 'users', page: 7, kind, times: 1000 })
    const job = await stack.sync()
    t.equal(job.status, 'failed', `${kind}: the sync fails`)
    t.match(job.error?.detail ?? '', /\S/, `${kind}: with a reason: ${job.error?.detail}`)
    t.equal(stack.holder.current()?.syncId, before?.syncId, `${kind}: previous snapshot still current`)
    t.equal(stack.store.saved.length, 1, `${kind}: nothing persisted`)
    t.equal(stack.published.length, 1, `${kind}: nothing published`)
  }
  stack.sim.control.clearFaults()
  const after = await stack.sync()
  t.equal(after.status, 'succeeded', 'recovers once the fault is gone')
  t.equal(content(stack.holder.current()!), content(before!), 'with the same content')
})

t.test('token revoked repeatedly mid-sync: one fresh token each time, same snapshot', async t => {
  const stack = await syncStack(t, SIM, ENV)
  t.equal((await stack.sync()).status, 'succeeded')
  const expected = content(stack.holder.current()!)
  stack.sim.control.resetCounters()
  for (const n of [2, 6, 12]) stack.sim.control.mutateAfterPages(n, c => { c.revokeTokens() })
  const job = await stack.sync()
  t.equal(job.status, 'succeeded', job.error?.detail ?? 'succeeded')
  t.equal(content(stack.holder.current()!), expected)
  const c = stack.sim.control.counters()
  t.ok(c.tokenRequests >= 1 && c.tokenRequests <= 3, `token requests ${c.tokenRequests} (one per revocation at most)`)
})

t.test('token endpoint failing: the sync fails with an auth/unavailable reason, previous kept', async t => {
  const stack = await syncStack(t, SIM, ENV)
  t.equal((await stack.sync()).status, 'succeeded')
  const before = stack.holder.current()
  stack.sim.control.revokeTokens()
  stack.sim.control.failNext(1000, '503', 'token')
  const job = await stack.sync()
  stack.sim.control.clearFaults()
  t.equal(job.status, 'failed')
  t.ok(job.error?.detail, `reason: ${job.error?.detail}`)
  t.equal(stack.holder.current()?.syncId, before?.syncId)
})

t.test('over HTTP: a sync failing on page N changes nothing served; the next clean sync serves the same bytes', async t => {
  const stack = await startStack({ t, simulator: SIM, env: PATIENT })
  const ndjson = async (): Promise<{ syncId: string, body: string }> => {
    const res = await stack.request('/sync', { headers: { accept: 'application/x-ndjson' } })
    const body = await res.text()
    t.equal(res.status, 200, 'GET /sync (NDJSON) answers 200')
    const header = JSON.parse(body.slice(0, body.indexOf('\n'))) as { snapshot: { syncId: string, snapshotAt: string } }
    const { syncId, snapshotAt } = header.snapshot
    return { syncId, body: body.split(syncId).join('<syncId>').split(snapshotAt).join('<snapshotAt>') }
  }
  const runSync = async (): Promise<{ status: string, error?: { detail?: string } }> => {
    const res = await stack.request('/sync', { method: 'POST' })
    t.equal(res.status, 202, 'POST /sync answers 202')
    const location = res.headers.get('location')
    await res.body?.cancel()
    await stack.app.syncEngine.whenIdle()
    const job = await stack.request(location ?? '/missing')
    t.equal(job.status, 200, 'the job is readable at its Location')
    return await job.json() as { status: string, error?: { detail?: string } }
  }
  const clean = await ndjson()
  t.ok(clean.body.endsWith('\n') && clean.body.includes('"end"'), 'the stream is complete')

  stack.sim.control.failPage({ resource: 'users', page: 5, kind: '503', times: 1000 })
  const failed = await runSync()
  t.equal(failed.status, 'failed', `the sync failing on page 5 fails (${failed.error?.detail})`)
  const during = await ndjson()
  t.equal(during.syncId, clean.syncId, 'the previous snapshot is still served')
  t.equal(during.body, clean.body, 'byte for byte')
  const users = await stack.request('/users?pageSize=5')
  t.equal(users.status, 200, 'the façade still answers from it')
  await users.body?.cancel()

  stack.sim.control.clearFaults()
  stack.sim.control.set({ faults: { seed: 3, rate: 0.2, kinds: RETRYABLE } })
  const ok = await runSync()
  stack.sim.control.set({ faults: null })
  t.equal(ok.status, 'succeeded', 'a faulted (retryable) sync succeeds')
  const after = await ndjson()
  t.not(after.syncId, clean.syncId, 'a new snapshot is served')
  t.equal(after.body, clean.body, 'with the same bytes apart from syncId and snapshotAt')
})
