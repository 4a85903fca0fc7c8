/**
 * ETags: stable per (snapshot, query), different otherwise; If-None-Match matching (weak comparison, lists, *).
 */
import t from 'tap'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { etag, ifNoneMatchHits, notModified } from '#src/api/etag.ts'

t.test('etag', async (t) => {
  const a = etag('sync1', 'users', '0', '100')
  t.match(a, /^W\/"[A-Za-z0-9_-]{22}"$/, 'weak, quoted')
  t.equal(etag('sync1', 'users', '0', '100'), a, 'deterministic')
  t.not(etag('sync2', 'users', '0', '100'), a, 'other snapshot')
  t.not(etag('sync1', 'users', '0', '50'), a, 'other page size')
  t.not(etag('sync1', 'users0', '', '100'), etag('sync1', 'users', '0', '100'), 'parts are separated')
})

t.test('ifNoneMatchHits', async (t) => {
  const tag = 'W/"abc"'
  t.ok(ifNoneMatchHits('W/"abc"', tag))
  t.ok(ifNoneMatchHits('"abc"', tag), 'weak comparison ignores W/')
  t.ok(ifNoneMatchHits('"x", W/"abc" ,"y"', tag), 'list')
  t.ok(ifNoneMatchHits('*', tag), 'star')
  t.notOk(ifNoneMatchHits('"abcd"', tag))
  t.notOk(ifNoneMatchHits(' , ', tag))
})

t.test('notModified sets the ETag header', async (t) => {
  const headers: Record<string, string> = {}
  const reply = { header (k: string, v: string) { headers[k] = v; return this } } as unknown as FastifyReply
  const req = (inm?: string) => ({ headers: inm === undefined ? {} : { 'if-none-match': inm } }) as unknown as FastifyRequest
  const tag = etag('s', 'q')
  t.equal(notModified(req(), reply, tag), false)
  t.equal(headers.etag, tag)
  t.equal(notModified(req(tag), reply, tag), true)
  t.equal(notModified(req('W/"other"'), reply, tag), false)
  t.equal(notModified(req(''), reply, tag), false)
})
