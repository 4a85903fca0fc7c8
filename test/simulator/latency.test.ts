/** Latency is counted from arrival: an answer never leaves earlier than `latencyMs` after its request came in. */
import t from 'tap'
import { sim, token } from './helpers.ts'

t.test('answers leave latencyMs after arrival, also when requests run concurrently', async t => {
  const s = await sim(t, { users: 300, groups: 2, latencyMs: 60 })
  const tok = await token(s)
  const timed = async (): Promise<number> => {
    const started = performance.now()
    const res = await fetch(`${s.url}/scim/v2/Users?startIndex=1&count=100`, { headers: { authorization: `Bearer ${tok}` } })
    await res.arrayBuffer()
    t.equal(res.status, 200)
    return performance.now() - started
  }
  const times = await Promise.all([timed(), timed(), timed(), timed()])
  for (const ms of times) t.ok(ms >= 59, `answered after ${ms.toFixed(1)} ms (≥ latency)`)
  t.ok((await timed()) >= 59, 'a lone request too')
})
