/**
 * ETags: stable per (snapshot, query), different otherwise; If-None-Match matching (weak comparison, lists, *).
 */
import t from 'tap'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { etag, notModified } from '#src/api/etag.ts'

t.test('etag', async (t) => {
  const a = etag('sync1', 'users', '0', '100')
  t.match(a, /^W\/"[A-Za-z0-9_-]{22}"$/, 'weak, quoted')
  t.equal(etag('sync1', 'users', '0', '100'), a, 'deterministic')
  t.not(etag('sync2', 'users', '0', '100'), a, 'other snapshot')
  t.not(etag('sync1', 'users', '0', '50'), a, 'other page size')
  t.not(etag('sync1', 'users0', '', '100'), etag('sync1', 'users', '0', '100'), 'parts are separated')
})

t.test('If-None-Match matching', async (t) => {
  const tag = 'W/"abc"'
  const reply = { header () { return this }, code () { return this }, send () {} } as unknown as FastifyReply
  const hits = (inm: string): boolean => notModified({ headers: { 'if-none-match': inm } } as unknown as FastifyRequest, reply, tag)
  t.ok(hits('W/"abc"'))
  t.ok(hits('"abc"'), 'weak comparison ignores W/')
  t.ok(hits('"x", W/"abc" ,"y"'), 'list')
  t.ok(hits('*'), 'star')
  t.notOk(hits('"abcd"'))
  t.notOk(hits(' , '))
})

t.test('notModified sets the ETag header and answers 304 on a match', async (t) => {
  const headers: Record<string, string> = {}
  let sent = 0
  const reply = { header (k: string, v: string) { headers[k] = v; return this }, code (c: number) { headers.status = String(c); return this }, send () { sent++ } } as unknown as FastifyReply
  const req = (inm?: string) => ({ headers: inm === undefined ? {} : { 'if-none-match': inm } }) as unknown as FastifyRequest
  const tag = etag('s', 'q')
  t.equal(notModified(req(), reply, tag), false)
  t.equal(headers.etag, tag)
  t.equal(notModified(req(tag), reply, tag), true)
  t.equal(headers.status, '304')
  t.equal(notModified(req('W/"other"'), reply, tag), false)
  t.equal(notModified(req(''), reply, tag), false)
  t.equal(sent, 1, 'only the match was answered')
})
