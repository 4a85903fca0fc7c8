import t from 'tap'
import type { FastifyRequest } from 'fastify'
import { page, wantsNdjson } from '#src/api/sync.ts'
import { testSnapshot } from '../fixtures.ts'

const req = (accept?: string): FastifyRequest => ({ headers: accept === undefined ? {} : { accept } }) as unknown as FastifyRequest

t.test('NDJSON only when asked for and not ranked below JSON', async t => {
  t.equal(wantsNdjson(req()), false)
  t.equal(wantsNdjson(req('application/json')), false)
  t.equal(wantsNdjson(req('application/x-ndjson')), true)
  t.equal(wantsNdjson(req('application/json;q=0.9, application/x-ndjson')), true)
  t.equal(wantsNdjson(req('application/json, application/x-ndjson;q=0.5')), false)
  t.equal(wantsNdjson(req('application/x-ndjson;q=0')), false)
  t.equal(wantsNdjson(req('application/x-ndjson;q=abc')), false)
})

t.test('pages cut one sequence and end with an empty token', async t => {
  const s = testSnapshot({ users: 5, groups: 1 })
  const first = page(s, 0, 2)
  t.same(first.resourceTypes.length, 2)
  t.not(first.nextPageToken, '')
  const total = s.section('resourceTypes').length + s.section('resources').length + s.section('entitlements').length + s.section('grants').length
  const last = page(s, total - 1, 10)
  t.equal(last.nextPageToken, '')
  t.equal(last.grants.length, 1)
  t.throws(() => page(s, total + 1, 10), { name: 'HttpProblem', message: /past the end/ })
})
