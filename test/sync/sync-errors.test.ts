import t from 'tap'
import { ZuoraError } from '#src/zuora/errors.ts'
import { describeSyncError, sentence } from '#src/sync/sync-errors.ts'

t.test('"previous snapshot" only when one is served; every sentence ends with a full stop', async t => {
  const err = new ZuoraError('SCIM Users list failed: HTTP 502 [Zuora-Request-Id r1]', { kind: 'unavailable', endpoint: 'users', upstreamStatus: 502 })
  const first = describeSyncError(err, false, false)
  t.equal(first.detail, 'SCIM Users list failed: HTTP 502 [Zuora-Request-Id r1]. Nothing was published; there is no snapshot to serve yet.')
  t.notMatch(first.detail, /previous snapshot/)
  t.equal(first.upstreamStatus, 502)
  const later = describeSyncError(err, false, true)
  t.match(later.detail, /r1\]\. Nothing was published; the previous snapshot is still served\.$/)
  const ended = describeSyncError(new ZuoraError('Listing changed. No partial directory is returned.', { kind: 'upstream', endpoint: 'users' }), false)
  t.notMatch(ended.detail, /\.\./, 'no doubled full stop')
  t.match(describeSyncError(new Error('boom'), false, false).detail, /^Error: boom\. Nothing was published; there is no snapshot to serve yet\.$/)
  t.match(describeSyncError(undefined, true, false).detail, /nothing was published; there is no snapshot to serve yet\.$/)
  t.equal(sentence('ok?'), 'ok?')
})
