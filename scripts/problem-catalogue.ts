/**
 * Every problem `type` slug the service answers with, its status and when it happens: the source of
 * docs/problems.md (`npm run docs`). test/docs.test.ts checks it against the slugs the code uses (src/, routes/).
 */
export interface ProblemEntry {
  readonly slug: string
  readonly status: number
  readonly when: string
}

export const PROBLEMS: readonly ProblemEntry[] = [
  { slug: 'invalid-request', status: 400, when: 'A query or path parameter failed validation. `errors[]` names the parameter' },
  { slug: 'bad-request', status: 400, when: 'Another malformed request: a `/sync` query parameter that does not fit (`errors[]` names it), a body whose size does not match `Content-Length`, a request that is not valid HTTP/1.1' },
  { slug: 'invalid-page-token', status: 400, when: 'A forged or truncated `pageToken`, or one from another list or filter set' },
  { slug: 'invalid-id', status: 400, when: 'An id that cannot be a valid user, role or group id' },
  { slug: 'bad-url', status: 400, when: 'A URL path that is not valid percent-encoding' },
  { slug: 'malformed-body', status: 400, when: 'A body that is not valid JSON (no endpoint needs a body)' },
  { slug: 'unauthorized', status: 401, when: 'A missing or wrong API token, or a wrong metrics token (`WWW-Authenticate: Bearer`)' },
  { slug: 'not-found', status: 404, when: 'An unknown route, or a user, role, group or job that does not exist in the current snapshot' },
  { slug: 'method-not-allowed', status: 405, when: 'A wrong method (with an `Allow` header)' },
  { slug: 'not-acceptable', status: 406, when: 'An `Accept` header that cannot be satisfied' },
  { slug: 'request-timeout', status: 408, when: 'A request not received in time, rejected by the HTTP parser before routing (no `instance`)' },
  { slug: 'snapshot-expired', status: 410, when: 'The `pageToken`\'s snapshot or the `since` snapshot is no longer held. Restart without the token, or do a full read' },
  { slug: 'payload-too-large', status: 413, when: 'A body over 64 KiB' },
  { slug: 'uri-too-long', status: 414, when: 'A path segment longer than any valid id' },
  { slug: 'unsupported-media-type', status: 415, when: 'A body of an unsupported type' },
  { slug: 'headers-too-large', status: 431, when: 'A request line plus headers over 16 KiB, rejected by the HTTP parser before routing (no `instance`)' },
  { slug: 'internal-error', status: 500, when: 'A bug, logged under the request id (the body says only that)' },
  { slug: 'upstream-error', status: 502, when: 'Zuora answered wrongly on a request path (a sync reports its own failure in the job)' },
  { slug: 'upstream-unavailable', status: 503, when: 'Zuora was unavailable on a request path' },
  { slug: 'snapshot-not-ready', status: 503, when: 'No snapshot exists yet. `Retry-After` is 5 s while a sync runs, 60 s otherwise, and `sync` carries the running (or last) job\'s progress' },
  { slug: 'not-ready', status: 503, when: '`/health/ready`: no snapshot, or one that is too old' },
  { slug: 'unavailable', status: 503, when: 'The service is shutting down' },
  { slug: 'upstream-timeout', status: 504, when: 'Zuora did not answer in time on a request path' }
]
