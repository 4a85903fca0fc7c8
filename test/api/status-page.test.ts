/** The status page renderer: pure, every value escaped, no script, the sections an admin needs. */
import t from 'tap'
import { escapeHtml, formatAge, formatDuration, formatTime, renderStatusPage, REFRESH_IDLE_SECONDS, REFRESH_RUNNING_SECONDS } from '#src/api/status-page.ts'
import type { StatusView } from '#src/api/status-page.ts'

const HOSTILE = '<script>alert("x")</script>&\''

const base: StatusView = {
  title: 'Façade',
  version: '1.2.3',
  ready: true,
  reason: 'serving snapshot S1 (42 s old, limit 7500 s)',
  maxAgeSeconds: 7500,
  snapshot: {
    syncId: '2yQ8c1Xk3b9ZlV7mT0pR4sWqE1a',
    snapshotAt: '2026-09-01T12:00:04Z',
    ageSeconds: 42,
    users: 100000,
    usersEnabled: 85000,
    roles: 6,
    groups: 2000,
    grants: 250123,
    findings: { membershipOnlyInGroup: 0, membershipOnlyInUser: 2, unknownMembers: 0, unknownGroups: 1 }
  },
  running: null,
  jobs: [
    { id: 'job_B', status: 'failed', trigger: 'schedule', startedAt: '2026-09-01T13:00:00Z', durationMs: 1000, error: { title: 'Zuora unavailable' } },
    { id: 'job_A', status: 'succeeded', trigger: 'startup', startedAt: '2026-09-01T12:00:00Z', durationMs: 4000 }
  ]
}

t.test('shows the snapshot, its counts, the last syncs with a duration bar, findings and links', async t => {
  const html = renderStatusPage(base)
  t.match(html, /^<!doctype html>/)
  t.match(html, '<span id="version">1.2.3</span>')
  t.match(html, '<code id="sync-id">2yQ8c1Xk3b9ZlV7mT0pR4sWqE1a</code>')
  t.match(html, '<dd id="count-users">100,000</dd>')
  t.match(html, '<dd id="count-roles">6</dd>')
  t.match(html, '<dd id="count-groups">2,000</dd>')
  t.match(html, '<dd id="count-grants">250,123</dd>')
  t.match(html, '<span id="age">42 s</span>')
  t.match(html, /failed: Zuora unavailable/)
  t.match(html, 'style="width:25%"', 'the failed 1 s job is a quarter of the longest')
  t.match(html, 'style="width:100%"')
  t.match(html, /3 disagreements/)
  for (const href of ['/docs', '/openapi.json', '/metrics', '/health/ready']) t.match(html, `href="${href}"`)
  t.notMatch(html, /<script/i, 'no script: CSP-clean and readable without JavaScript')
  t.match(html, `content="${REFRESH_IDLE_SECONDS}"`)
})

t.test('a running sync shows a progress bar and refreshes faster', async t => {
  const html = renderStatusPage({
    ...base,
    running: {
      id: 'job_C',
      trigger: 'api',
      startedAt: '2026-09-01T14:00:00Z',
      progress: { phase: 'pages', pagesDone: 30, pagesTotal: 120, usersRead: 3000, groupsRead: 40, retries: 1, rateLimitWaits: 0, rateLimitWaitMs: 0, elapsedMs: 2500, estimatedRemainingMs: 7500 }
    }
  })
  t.match(html, '<progress id="sync-progress" max="120" value="30">25 %</progress>')
  t.match(html, /about 7\.5 s left/)
  t.match(html, `content="${REFRESH_RUNNING_SECONDS}"`)
  const unknown = renderStatusPage({ ...base, running: { id: 'j', trigger: 'api', startedAt: 'x', progress: { phase: 'token', pagesDone: 0, pagesTotal: null, usersRead: 0, groupsRead: 0, retries: 0, rateLimitWaits: 0, rateLimitWaitMs: 0, elapsedMs: 0, estimatedRemainingMs: null } } })
  t.match(unknown, '<progress id="sync-progress"></progress>', 'indeterminate until the total is known')
})

t.test('before the first snapshot it says so', async t => {
  const html = renderStatusPage({ ...base, ready: false, reason: 'no snapshot yet', snapshot: null, jobs: [] })
  t.match(html, 'class="bad">not ready')
  t.match(html, /No snapshot yet/)
  t.match(html, /No sync has finished yet/)
  t.notMatch(html, /id="findings"/)
})

t.test('every value is escaped', async t => {
  const html = renderStatusPage({
    ...base,
    title: HOSTILE,
    version: HOSTILE,
    reason: HOSTILE,
    // Hostile values even where the types allow none (a finding key, a job status or trigger).
    snapshot: { ...base.snapshot!, syncId: HOSTILE, snapshotAt: HOSTILE, findings: { [HOSTILE]: 1 } as never },
    jobs: [{ id: HOSTILE, status: HOSTILE as never, trigger: HOSTILE as never, startedAt: HOSTILE, error: { title: HOSTILE } }]
  })
  t.notMatch(html, /<script/i)
  t.notMatch(html, /"x"\)/)
  t.match(html, '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;')
  t.equal(escapeHtml('a&b<c>"d\'e'), 'a&amp;b&lt;c&gt;&quot;d&#39;e')
})

t.test('durations and ages read naturally', async t => {
  t.equal(formatDuration(250), '250 ms')
  t.equal(formatDuration(4210), '4.2 s')
  t.equal(formatDuration(95_000), '1 min 35 s')
  t.equal(formatDuration(7_500_000), '2 h 5 min')
  t.equal(formatAge(42), '42 s')
  t.equal(formatAge(7500), '2 h 5 min')
  t.equal(formatTime('2026-09-01T12:00:04.210Z'), '2026-09-01 12:00:04 UTC')
  t.equal(formatTime('2026-09-01T12:00:04Z'), '2026-09-01 12:00:04 UTC')
  t.equal(formatTime('yesterday'), 'yesterday')
})
