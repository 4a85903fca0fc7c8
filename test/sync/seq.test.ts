import t from 'tap'
import { concatSeqs, seqFromArray, seqOf } from '#src/sync/seq.ts'

t.test('seqOf maps lazily and checks bounds', async t => {
  let calls = 0
  const s = seqOf(3, (i) => { calls++; return i * 10 })
  t.equal(calls, 0)
  t.equal(s.at(2), 20)
  t.same(s.slice(1), [10, 20])
  t.same(s.slice(-5, 99), [0, 10, 20])
  t.same(s.slice(2, 1), [])
  t.throws(() => s.at(3), RangeError)
  t.throws(() => s.at(-1), RangeError)
  t.throws(() => s.at(0.5), RangeError)
})

t.test('concatSeqs skips empty parts', async t => {
  const s = concatSeqs([seqFromArray(['a']), seqFromArray<string>([]), seqFromArray<string>([]), seqFromArray(['b', 'c']), seqFromArray<string>([])])
  t.equal(s.length, 3)
  t.same(s.slice(), ['a', 'b', 'c'])
  const g = concatSeqs([seqOf(0, () => ''), seqOf(2, (k) => `1.${k}`), seqOf(0, () => ''), seqOf(1, (k) => `3.${k}`)])
  t.same(g.slice(), ['1.0', '1.1', '3.0'])
  t.equal(concatSeqs([]).length, 0)
})
