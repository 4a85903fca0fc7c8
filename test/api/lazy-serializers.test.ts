import t from 'tap'
import { lazySerializers } from '#src/api/lazy-serializers.ts'

const route = (props: Record<string, unknown>) => ({ method: 'GET', url: '/x', httpStatus: '200', schema: { type: 'object', properties: props } })

t.test('compiles on first use, and what is left on compileAll; output as the eager compiler', async t => {
  const lazy = lazySerializers()
  const compiler = lazy.build({}, {})
  const a = compiler(route({ name: { type: 'string' } }))
  const b = compiler(route({ n: { type: 'integer' } }))
  const broken = compiler(route({ x: { $ref: '#/nowhere' } }))
  t.equal(a({ name: 'ann', secret: 'dropped' }), '{"name":"ann"}', 'serialized by its schema')
  await t.rejects(lazy.compileAll(), /nowhere|resolve|reference/i, 'a schema that cannot compile surfaces in compileAll')
  t.throws(() => broken({ x: 1 }))
  t.equal(b({ n: 2 }), '{"n":2}')
})

t.test('compileAll compiles each serializer once and counts them', async t => {
  const lazy = lazySerializers()
  const compiler = lazy.build({}, {})
  const a = compiler(route({ a: { type: 'string' } }))
  compiler(route({ b: { type: 'string' } }))
  a({ a: 'x' })
  t.equal(await lazy.compileAll(), 1, 'only the one not used yet')
  t.equal(await lazy.compileAll(), 0)
})
