/**
 * Fault suite: seeded random mixes of upstream faults (429 with a tiny Retry-After, 5xx, resets, slow answers,
 * malformed bodies, gateway HTML) plus token revocation mid-sync. Each faulted sync must either publish a
 * snapshot with exactly the content of a clean run, or fail explicitly with the previous snapshot still served.
 * Never a partial publish.
 */
import t from 'tap'
import type { FaultKind } from '../../src/simulator/index.ts'
import { content, syncStack } from './sync-harness.ts'

const ALL_KINDS: FaultKind[] = ['429', '500', '502', '503', '504', 'reset', 'malformed', 'slow', 'html502']
const SIM = { users: 420, groups: 25, seed: 11, retryAfterSeconds: 0, slowMs: 30 } as const
// small pages: ~30 requests per sync, so every seed meets several faults
const ENV = { ZUORA_USERS_PAGE_SIZE: '20', ZUORA_GROUPS_PAGE_SIZE: '10', ZUORA_MAX_CONCURRENCY: '4', ZUORA_REQUEST_TIMEOUT_MS: '2000' }

t.test('seeded fault mixes: identical snapshot or explicit failure, never partial', async t => {
  const stack = await syncStack(t, SIM, ENV)
  const clean = await stack.sync()
  t.equal(clean.status, 'succeeded', 'the clean sync succeeds')
  const baseline = stack.holder.current()
  if (baseline === undefined) throw new Error('no baseline snapshot')
  const expected = content(baseline)
  t.equal(baseline.integrity.danglingGrantEntitlements, 0)
  t.equal(baseline.integrity.danglingGrantPrincipals, 0)

  const outcomes: Record<string, number> = { succeeded: 0, failed: 0 }
  let faultsInjected = 0
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const rate = 0.1 + (seed % 4) * 0.05
    const before = stack.holder.current()
    const savedBefore = stack.store.saved.length
    const publishedBefore = stack.published.length
    stack.sim.control.resetCounters()
    stack.sim.control.set({ faults: { seed, rate, kinds: ALL_KINDS } })
    // token revocation mid-sync on every other seed
    if (seed % 2 === 0) stack.sim.control.mutateAfterPages(3 + seed, c => { c.revokeTokens() })
    const job = await stack.sync()
    stack.sim.control.set({ faults: null })
    const c = stack.sim.control.counters()
    faultsInjected += c.faultsInjected
    const newlyPublished = stack.published.slice(publishedBefore)
    outcomes[job.status] = (outcomes[job.status] ?? 0) + 1

    if (job.status === 'succeeded') {
      t.equal(newlyPublished.length, 1, `seed ${seed}: one publish`)
      const now = stack.holder.current()
      t.equal(now?.syncId, job.syncId, `seed ${seed}: the job's snapshot is current`)
      t.not(now?.syncId, before?.syncId, `seed ${seed}: a new snapshot`)
      t.equal(content(now!), expected, `seed ${seed}: byte-identical to the clean run (${c.faultsInjected} faults)`)
      t.equal(stack.store.saved.length, savedBefore + 1)
    } else {
      t.equal(job.status, 'failed', `seed ${seed}: failed, not aborted`)
      t.ok(job.error?.title, `seed ${seed}: the failure has a title`)
      t.ok(job.error?.detail, `seed ${seed}: and a detail (${job.error?.detail})`)
      t.equal(newlyPublished.length, 0, `seed ${seed}: nothing published`)
      t.equal(stack.store.saved.length, savedBefore, `seed ${seed}: nothing persisted`)
      t.equal(stack.holder.current()?.syncId, before?.syncId, `seed ${seed}: the previous snapshot is still served`)
    }
    // whatever was ever published has the clean content
    for (const s of newlyPublished) t.equal(content(s), expected)
  }
  t.ok(faultsInjected > 20, `faults were injected (${faultsInjected}); outcomes ${JSON.stringify(outcomes)}`)
  t.ok(outcomes.succeeded! > 0, 'at least one faulted sync recovered')
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
