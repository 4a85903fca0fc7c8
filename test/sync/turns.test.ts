import t from 'tap'
import { runAtOnce, runInTurns } from '#src/sync/turns.ts'
import type { Steps } from '#src/sync/turns.ts'

function * busy (turns: number, msEach: number): Steps<number> {
  for (let i = 0; i < turns; i++) {
    const until = performance.now() + msEach
    while (performance.now() < until) { /* spin */ }
    yield
  }
  return turns
}

t.test('runAtOnce runs the steps to their value', async t => {
  t.equal(runAtOnce(busy(3, 0)), 3)
})

t.test('runInTurns gives the event loop a turn between turns of work', async t => {
  let ticks = 0
  const timer = setInterval(() => { ticks++ }, 0)
  const value = await runInTurns(busy(60, 1), 4)
  clearInterval(timer)
  t.equal(value, 60)
  t.ok(ticks >= 5, `timers ran while the work went on (${ticks} ticks)`)
})

t.test('an error in a step rejects', async t => {
  function * failing (): Steps<never> {
    yield
    throw new Error('integrity')
  }
  await t.rejects(runInTurns(failing()), /integrity/)
  t.throws(() => runAtOnce(failing()), /integrity/)
})
