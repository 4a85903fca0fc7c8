import t from 'tap'
import { FaultEngine } from '#simulator/faults.ts'
import type { RunningSimulator } from '#simulator/index.ts'
import { get, sim, token } from './helpers.ts'

async function outcome (s: RunningSimulator, path: string, tok: string): Promise<string> {
  try {
    const r = await get(s, path, tok)
    if (r.status === 200 && r.json === undefined) return 'malformed'
    return String(r.status)
  } catch {
    return 'reset'
  }
}

t.test('FaultEngine: same seed → same schedule; order page rules > next-n > random', async t => {
  const run = (seed: number) => {
    const f = new FaultEngine()
    f.configure({ seed, rate: 0.3 })
    return Array.from({ length: 200 }, () => f.decide('users.list') ?? '-').join(',')
  }
  t.equal(run(7), run(7))
  t.not(run(7), run(8))
  t.ok(run(7).split(',').filter(x => x !== '-').length > 20)
  const f = new FaultEngine()
  f.configure({ seed: 1, rate: 1, kinds: ['500'] })
  f.failNext(1, '502')
  f.failPage({ resource: 'users', page: 2, kind: '504', times: 2 })
  t.equal(f.decide('users.list', { resource: 'users', page: 2 }), '504')
  t.equal(f.decide('users.list', { resource: 'users', page: 2 }), '504')
  t.equal(f.decide('users.list', { resource: 'users', page: 2 }), '502')
  t.equal(f.decide('users.list', { resource: 'users', page: 2 }), '500')
  t.equal(f.decide('oauth.token'), undefined, 'random faults target SCIM by default')
  f.clear()
  t.equal(f.decide('users.list'), undefined)
})

t.test('seeded random faults over HTTP are reproducible', async t => {
  const kinds = ['429', '500', '502', '503', '504', 'reset', 'malformed', 'html502'] as const
  const sequence = async () => {
    const s = await sim(t, { users: 30, groups: 2, faults: { seed: 1234, rate: 0.4, kinds: [...kinds] }, retryAfterSeconds: 0 })
    const tok = await token(s)
    const out: string[] = []
    for (let i = 0; i < 40; i++) out.push(await outcome(s, '/scim/v2/Users?count=5', tok))
    return { out, counters: s.control.counters() }
  }
  const a = await sequence()
  const b = await sequence()
  t.same(a.out, b.out)
  t.ok(a.out.some(x => x !== '200'), a.out.join(' '))
  t.equal(a.counters.faultsInjected, a.out.filter(x => x !== '200').length)
  t.ok(a.out.includes('reset') ? (a.counters.requests['users.list'].reset ?? 0) > 0 : true, 'resets counted')
})

t.test('failNext kinds and error shapes', async t => {
  const s = await sim(t, { users: 10, groups: 1 })
  const tok = await token(s)
  s.control.failNext(1, '503')
  const scim = await get(s, '/scim/v2/Users', tok)
  t.equal(scim.status, 503)
  t.equal(scim.headers.get('retry-after'), '1')
  t.same(scim.json, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503', detail: 'Service Unavailable' })

  s.control.set({ errorShape: 'zuora' })
  s.control.failNext(1, '500')
  const z = await get(s, '/scim/v2/Users', tok)
  t.equal(z.status, 500)
  t.same(z.json, { success: false, reasons: [{ message: 'Internal Server Error', code: '90000060' }] })

  s.control.set({ errorShape: 'html' })
  s.control.failNext(1, '502')
  const h = await get(s, '/scim/v2/Users', tok)
  t.equal(h.status, 502)
  t.match(h.headers.get('content-type'), /text\/html/)
  t.match(h.text, /<html>/)

  s.control.set({ errorShape: 'scim' })
  s.control.failNext(1, 'html502')
  const h2 = await get(s, '/scim/v2/Users', tok)
  t.equal(h2.status, 502)
  t.match(h2.text, /502 Bad Gateway/)

  s.control.failNext(1, 'malformed')
  const m = await get(s, '/scim/v2/Users', tok)
  t.equal(m.status, 200)
  t.match(m.headers.get('content-type'), /application\/json/)
  t.equal(m.json, undefined, 'body is not valid JSON')

  s.control.failNext(1, 'reset')
  await t.rejects(get(s, '/scim/v2/Users', tok), 'connection reset')

  s.control.set({ slowMs: 30 })
  s.control.failNext(1, 'slow', 'users.list')
  t.equal((await get(s, '/scim/v2/Users', tok)).status, 200, 'slow still answers')

  s.control.failNext(2, '504', 'groups.list')
  t.equal((await get(s, '/scim/v2/Users', tok)).status, 200, 'target limits the fault to its route')
  t.equal((await get(s, '/scim/v2/Groups', tok)).status, 504)
  t.equal((await get(s, '/scim/v2/Groups', tok)).status, 504)
  t.equal((await get(s, '/scim/v2/Groups', tok)).status, 200)
  const c = s.control.counters()
  t.equal(c.faultsInjected, 9)
  t.same(c.faultsByKind, { 503: 1, 500: 1, 502: 1, html502: 1, malformed: 1, reset: 1, slow: 1, 504: 2 })
  t.equal(c.requests['users.list'].reset, 1)
})

t.test('failPage hits the right page for both semantics', async t => {
  const s = await sim(t, { users: 300, groups: 50 })
  const tok = await token(s)
  s.control.failPage({ resource: 'users', page: 3, kind: '500' })
  t.equal((await get(s, '/scim/v2/Users?startIndex=101&count=100', tok)).status, 200)
  t.equal((await get(s, '/scim/v2/Users?startIndex=201&count=100', tok)).status, 500)
  t.equal((await get(s, '/scim/v2/Users?startIndex=201&count=100', tok)).status, 200, 'times defaults to 1')
  s.control.failPage({ resource: 'groups', page: 2, kind: '503', times: 2 })
  t.equal((await get(s, '/scim/v2/Groups?startIndex=2&count=10', tok)).status, 503)
  t.equal((await get(s, '/scim/v2/Groups?startIndex=2&count=10', tok)).status, 503)
  t.equal((await get(s, '/scim/v2/Groups?startIndex=2&count=10', tok)).status, 200)
})
