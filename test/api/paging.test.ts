/**
 * src/api/paging.ts, its page tokens: round trip, and every malformed, altered or foreign token refused with 400 invalid-page-token.
 */
import t from 'tap'
import type { Test } from 'tap'
import fc from 'fast-check'
import { MAX_PAGE_TOKEN_LENGTH } from '#src/api/list-query.ts'
import { decodePageToken, encodePageToken } from '#src/api/paging.ts'
import { HttpProblem, problemType } from '#src/api/problem.ts'
import { newSyncId } from '#src/sync/sync-id.ts'

const SYNC_ID = newSyncId()
const SCOPE = 'users?status=enabled&role=&q='

function rejects (t: Test, token: string, scope: string, detail: RegExp, msg: string): void {
  try {
    decodePageToken(token, scope)
    t.fail(`${msg}: accepted`)
  } catch (err) {
    t.ok(err instanceof HttpProblem, `${msg}: HttpProblem`)
    const p = err as HttpProblem
    t.equal(p.statusCode, 400, msg)
    t.equal(p.type, problemType('invalid-page-token'), msg)
    t.match(p.detail, detail, msg)
    t.match(p.detail, /without pageToken/, `${msg}: says how to recover`)
    t.match(p.extra, { errors: [{ in: 'querystring', parameter: 'pageToken' }] }, `${msg}: names the parameter`)
  }
}

t.test('round trip', async (t) => {
  const token = encodePageToken({ syncId: SYNC_ID, offset: 300, scope: SCOPE })
  t.match(token, /^[A-Za-z0-9_-]+$/, 'base64url')
  t.ok(token.length < 160, `compact (${token.length} chars)`)
  t.ok(token.length <= MAX_PAGE_TOKEN_LENGTH)
  t.same(decodePageToken(token, SCOPE), { syncId: SYNC_ID, offset: 300 })
  t.same(decodePageToken(encodePageToken({ syncId: SYNC_ID, offset: 0, scope: 'sync' }), 'sync'), { syncId: SYNC_ID, offset: 0 })
  t.throws(() => encodePageToken({ syncId: SYNC_ID, offset: -1, scope: SCOPE }), RangeError)
  t.throws(() => encodePageToken({ syncId: SYNC_ID, offset: 1.5, scope: SCOPE }), RangeError)
})

t.test('round trip for any offset and scope (property)', async (t) => {
  fc.assert(fc.property(fc.nat(), fc.string(), (offset, scope) => {
    const d = decodePageToken(encodePageToken({ syncId: SYNC_ID, offset, scope }), scope)
    return d.syncId === SYNC_ID && d.offset === offset
  }))
  t.pass()
})

t.test('another list or filter', async (t) => {
  const token = encodePageToken({ syncId: SYNC_ID, offset: 100, scope: SCOPE })
  rejects(t, token, 'users?status=disabled&role=&q=', /another list or filter/, 'other filter')
  rejects(t, token, 'roles', /another list or filter/, 'other list')
  rejects(t, token, 'sync', /another list or filter/, 'sync walk')
})

t.test('malformed, truncated, altered', async (t) => {
  const token = encodePageToken({ syncId: SYNC_ID, offset: 100, scope: SCOPE })
  rejects(t, '', SCOPE, /empty/, 'empty')
  rejects(t, 'a'.repeat(MAX_PAGE_TOKEN_LENGTH + 1), SCOPE, /characters long/, 'too long')
  rejects(t, 'abc def', SCOPE, /not base64url/, 'not base64url')
  rejects(t, 'abc=', SCOPE, /not base64url/, 'padding')
  rejects(t, token.slice(0, -3), SCOPE, /not a token issued by this service|checksum/, 'truncated')
  rejects(t, token.slice(0, 20), SCOPE, /not a token issued by this service/, 'truncated a lot')
  rejects(t, 'bm90IGpzb24', SCOPE, /not a token issued by this service/, 'not JSON')
  const wire = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'))
  const forge = (w: unknown): string => Buffer.from(JSON.stringify(w)).toString('base64url')
  rejects(t, forge({ ...wire, o: 0 }), SCOPE, /checksum/, 'edited offset')
  rejects(t, forge({ ...wire, s: newSyncId() }), SCOPE, /checksum/, 'edited syncId')
  rejects(t, forge({ ...wire, v: 2 }), SCOPE, /version 2/, 'other version')
  rejects(t, forge({ ...wire, o: -5 }), SCOPE, /not a token issued/, 'negative offset')
  rejects(t, forge({ ...wire, o: '5' }), SCOPE, /not a token issued/, 'string offset')
  rejects(t, forge({ ...wire, s: 'x' }), SCOPE, /not a token issued/, 'not a sync id')
  rejects(t, forge([1, 2]), SCOPE, /not a token issued/, 'array')
  rejects(t, forge(null), SCOPE, /not a token issued/, 'null')
  rejects(t, forge('str'), SCOPE, /not a token issued/, 'string')
})

t.test('random strings never decode and never throw anything but a 400 problem', async (t) => {
  fc.assert(fc.property(fc.string({ maxLength: 600 }), (s) => {
    try {
      decodePageToken(s, SCOPE)
      return false
    } catch (err) {
      return err instanceof HttpProblem && err.statusCode === 400
    }
  }))
  t.pass()
})
