import t from 'tap'
import { classifyProbe, probeProblemMessage, START_INDEX_SETTING } from '#src/zuora/start-index.ts'

const first = ['a', 'b', 'c', 'd', 'e']

t.test('classifyProbe: item index, page number, and what fits neither', async t => {
  t.same(classifyProbe(first, ['b', 'c']), { semantics: 'item' }, 'RFC 7644: the 2nd and 3rd resources')
  t.same(classifyProbe(first, ['c', 'd']), { semantics: 'page' }, 'page 2 of size 2: the 3rd and 4th')
  t.same(classifyProbe(first, ['b']), { semantics: 'item' }, 'a short probe still tells')
  t.same(classifyProbe(['a', 'b'], ['c', 'd']), { semantics: 'page' }, 'a first page capped at 2: page 2 follows it')
  t.same(classifyProbe(['a', 'b'], ['b', 'c']), { semantics: 'item' })
  t.same(classifyProbe(first, ['a', 'b']), { problem: 'ignores-start-index' })
  t.same(classifyProbe(first, ['b', 'c', 'd']), { problem: 'ignores-count' })
  t.same(classifyProbe(first, []), { problem: 'neither' })
  t.same(classifyProbe(first, ['x', 'y']), { problem: 'neither' })
  t.same(classifyProbe(first, ['b', 'x']), { problem: 'neither' }, 'half a match is no match')
})

t.test('probeProblemMessage names the setting and the evidence', async t => {
  t.equal(START_INDEX_SETTING.groups, 'ZUORA_GROUPS_START_INDEX')
  const msg = probeProblemMessage({ resource: 'groups', verdict: 'neither', firstIds: ['g1', 'g2', 'g3', 'g4', 'g5'], firstCount: 100, probeIds: ['x'], totalResults: 250 })
  t.match(msg, /SCIM Groups: could not tell how the server reads startIndex \(ZUORA_GROUPS_START_INDEX=auto; totalResults 250\)/)
  t.match(msg, /startIndex=1&count=100 returned \["g1", "g2", "g3", "g4", … \(5 in all\)\]; startIndex=2&count=2 returned \["x"\]/)
  t.match(msg, /set ZUORA_GROUPS_START_INDEX=item or ZUORA_GROUPS_START_INDEX=page/)
  t.match(msg, /\.$/)
})
