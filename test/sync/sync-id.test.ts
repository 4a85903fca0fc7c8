import t from 'tap'
import { SYNC_ID_EPOCH_SECONDS, isSyncId, newSyncId } from '#src/sync/sync-id.ts'

const T0 = Date.UTC(2026, 8, 1, 12, 0, 0)

/** The 20 bytes of a sync id (base62 back to the KSUID). */
function bytesOf (id: string): Buffer {
  let n = 0n
  for (const ch of id) n = n * 62n + BigInt('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'.indexOf(ch))
  return Buffer.from(n.toString(16).padStart(40, '0'), 'hex')
}
const mintedAt = (id: string): number => (bytesOf(id).readUInt32BE(0) + SYNC_ID_EPOCH_SECONDS) * 1000

t.test('27 base62 characters, KSUID layout', async t => {
  const id = newSyncId(T0)
  t.equal(id.length, 27)
  t.match(id, /^[0-9A-Za-z]{27}$/)
  t.ok(isSyncId(id))
  t.equal(mintedAt(id), T0, 'the second it was minted')
  const bytes = bytesOf(id)
  t.equal(bytes.length, 20)
  t.equal(bytes.readUInt32BE(0), T0 / 1000 - SYNC_ID_EPOCH_SECONDS)
  t.same(bytesOf('0'.repeat(27)), Buffer.alloc(20))
  t.same(bytesOf('aWgEPTl1tmebfsQzFP4bxwgy80V'), Buffer.alloc(20, 255), 'the largest KSUID')
})

t.test('unique and strictly increasing, within a second and across seconds', async t => {
  const ids: string[] = []
  for (let i = 0; i < 2000; i++) ids.push(newSyncId(T0 + Math.floor(i / 500) * 1000 + (i % 500)))
  t.equal(new Set(ids).size, ids.length, 'unique')
  t.ok(ids.every((id, i) => i === 0 || ids[i - 1] < id), 'sortable: string order is creation order')
  const later = newSyncId(T0 + 3_600_000)
  t.ok(ids[ids.length - 1] < later)
  const back = newSyncId(T0 - 3_600_000)
  t.ok(later < back, 'a clock that steps back still gives a larger id in this process')
  t.equal(mintedAt(back), mintedAt(later))
})

t.test('isSyncId and errors', async t => {
  for (const bad of ['', 'x', '0'.repeat(26), '0'.repeat(28), `${'0'.repeat(26)}-`, 'aWgEPTl1tmebfsQzFP4bxwgy80W', 'zzzzzzzzzzzzzzzzzzzzzzzzzzz', 42, null, undefined]) {
    t.notOk(isSyncId(bad), String(bad))
  }
  t.ok(isSyncId('0'.repeat(27)))
  t.ok(isSyncId('aWgEPTl1tmebfsQzFP4bxwgy80V'))
  t.throws(() => newSyncId(Number.NaN), RangeError)
  t.throws(() => newSyncId(0), /out of the sync id range/)
})
