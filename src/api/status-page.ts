/**
 * The status page at `/`: plain HTML (no script, CSP-clean under helmet's default policy, readable without
 * JavaScript; a meta refresh keeps it current). It shows what GET /health/ready shows, the recent sync jobs'
 * outcome and duration, and the snapshot's counts and findings: only fields /health/ready or /sync/jobs also
 * expose, and aggregate counts; no secret, no user data, no error internals. Rendering is pure: every value is
 * escaped here.
 */
import type { FastifyInstance } from 'fastify'
import type { Snapshot } from '#src/sync/snapshot.ts'
import type { SyncJob } from '#src/sync/types.ts'
import { VERSION } from '#src/version.ts'
import { readiness, readinessInput } from './readiness.ts'
import type { Readiness } from './readiness.ts'

export interface StatusView extends Pick<Readiness, 'ready' | 'reason' | 'maxAgeSeconds'> {
  readonly title: string
  readonly version: string
  readonly snapshot: ReturnType<typeof snapshotCounts> | null
  readonly running: Readiness['runningSync']
  /** Finished jobs, newest first. */
  readonly jobs: ReadonlyArray<Pick<SyncJob, 'id' | 'status' | 'trigger' | 'startedAt' | 'durationMs'> & { readonly error?: { readonly title: string } }>
}

/** What the page shows, from what the process holds (the current snapshot, the sync engine's jobs, the readiness verdict). */
export function statusView (app: FastifyInstance, now: number): StatusView {
  const current = app.snapshots.current()
  const { ready, reason, maxAgeSeconds, ageSeconds, runningSync } = readiness(readinessInput(app, now))
  return {
    title: 'Zuora → ConductorOne access façade',
    version: VERSION,
    ready,
    reason,
    maxAgeSeconds,
    snapshot: current !== undefined ? snapshotCounts(current, ageSeconds ?? 0) : null,
    running: runningSync,
    jobs: app.syncEngine.jobs().filter((job) => job.status !== 'running')
  }
}

export function snapshotCounts ({ syncId, snapshotAt, stats }: Pick<Snapshot, 'syncId' | 'snapshotAt' | 'stats'>, ageSeconds: number) {
  return {
    syncId,
    snapshotAt,
    ageSeconds,
    users: stats.resources.user,
    usersEnabled: stats.usersByStatus.enabled,
    roles: stats.resources.role,
    groups: stats.resources.group,
    grants: stats.grants,
    findings: { ...stats.findings }
  }
}

/** Seconds between refreshes: quick while a sync runs, slow otherwise. */
export const REFRESH_RUNNING_SECONDS = 3
export const REFRESH_IDLE_SECONDS = 30

const STATUS_LINKS: ReadonlyArray<readonly [href: string, label: string]> = [
  ['/docs', 'API docs (Swagger UI)'],
  ['/openapi.json', 'OpenAPI document'],
  ['/health/ready', 'Readiness (JSON)'],
  ['/metrics', 'Prometheus metrics']
]

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** HTML-escapes text for element content and quoted attribute values. */
export function escapeHtml (value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c] as string)
}

/** 4210 → "4.2 s", 95000 → "1 min 35 s". */
export function formatDuration (ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  return minutes < 60 ? `${minutes} min ${seconds} s` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`
}

/** 42 → "42 s", 7500 → "2 h 5 min". */
export function formatAge (seconds: number): string {
  return seconds < 60 ? `${seconds} s` : formatDuration(seconds * 1000)
}

/** "2026-09-01T12:00:04.210Z" → "2026-09-01 12:00:04 UTC" (anything else as given). */
export function formatTime (iso: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(iso)
  return m !== null ? `${m[1]} ${m[2]} UTC` : iso
}

const fmt = (n: number): string => n.toLocaleString('en-US')

export function renderStatusPage (view: StatusView): string {
  const refresh = view.running !== null ? REFRESH_RUNNING_SECONDS : REFRESH_IDLE_SECONDS
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${refresh}">
<link rel="icon" href="data:,">
<title>${escapeHtml(view.title)} · status</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(view.title)}</h1>
<p class="meta">version <span id="version">${escapeHtml(view.version)}</span> · <span id="ready" class="${view.ready ? 'ok' : 'bad'}">${view.ready ? 'ready' : 'not ready'}</span> · ${escapeHtml(view.reason)}</p>
</header>
<main>
${snapshotSection(view.snapshot, view.maxAgeSeconds)}
${runningSection(view.running)}
${jobsSection(view.jobs)}
${findingsSection(view.snapshot)}
<section id="links"><h2>Links</h2><ul>${STATUS_LINKS.map(([href, label]) => `<li><a href="${escapeHtml(href)}">${escapeHtml(label)}</a> <code>${escapeHtml(href)}</code></li>`).join('')}</ul></section>
</main>
<footer>Refreshes every ${refresh} s. Public, like /health/ready: counts and sync outcomes only, no user data.</footer>
</body>
</html>
`
}

function snapshotSection (snapshot: StatusView['snapshot'], maxAgeSeconds: number): string {
  if (snapshot === null) return '<section id="snapshot"><h2>Snapshot served</h2><p>No snapshot yet: nothing is served until the first sync completes.</p></section>'
  const counts: Array<[string, string, number, string]> = [
    ['users', 'Users', snapshot.users, `${fmt(snapshot.usersEnabled)} enabled`],
    ['roles', 'Roles', snapshot.roles, ''],
    ['groups', 'Groups', snapshot.groups, ''],
    ['grants', 'Grants', snapshot.grants, 'role + group memberships']
  ]
  return `<section id="snapshot"><h2>Snapshot served</h2>
<p>syncId <code id="sync-id">${escapeHtml(snapshot.syncId)}</code>, taken ${escapeHtml(formatTime(snapshot.snapshotAt))} (<span id="age">${escapeHtml(formatAge(snapshot.ageSeconds))}</span> old; limit ${escapeHtml(formatAge(maxAgeSeconds))})</p>
<dl class="counts">${counts.map(([id, label, n, note]) => `<div><dt>${label}</dt><dd id="count-${id}">${fmt(n)}</dd>${note !== '' ? `<dd class="note">${escapeHtml(note)}</dd>` : ''}</div>`).join('')}</dl>
</section>`
}

function runningSection (running: StatusView['running']): string {
  if (running === null) return '<section id="running"><h2>Running sync</h2><p>None: the next one starts on schedule or with POST /sync.</p></section>'
  const p = running.progress
  const total = p.pagesTotal
  const bar = total !== null && total > 0
    ? `<progress id="sync-progress" max="${total}" value="${Math.min(p.pagesDone, total)}">${Math.round(100 * Math.min(p.pagesDone, total) / total)} %</progress> ${fmt(p.pagesDone)} / ${fmt(total)} pages`
    : '<progress id="sync-progress"></progress> counting pages…'
  const eta = p.estimatedRemainingMs !== null ? `, about ${escapeHtml(formatDuration(p.estimatedRemainingMs))} left` : ''
  return `<section id="running"><h2>Running sync</h2>
<p><code>${escapeHtml(running.id)}</code> (${escapeHtml(running.trigger)}), phase <strong>${escapeHtml(p.phase)}</strong>, started ${escapeHtml(formatTime(running.startedAt))}</p>
<p>${bar}</p>
<p>${fmt(p.usersRead)} users and ${fmt(p.groupsRead)} groups read, ${fmt(p.retries)} retries, ${escapeHtml(formatDuration(p.elapsedMs))} elapsed${eta}</p>
</section>`
}

function jobsSection (jobs: StatusView['jobs']): string {
  if (jobs.length === 0) return '<section id="jobs"><h2>Last syncs</h2><p>No sync has finished yet.</p></section>'
  const longest = Math.max(1, ...jobs.map((j) => j.durationMs ?? 0))
  const rows = jobs.map((job) => {
    const ms = job.durationMs ?? 0
    const width = Math.max(1, Math.round(100 * ms / longest))
    const outcome = job.error !== undefined ? `${job.status}: ${job.error.title}` : job.status
    return `<tr class="${escapeHtml(job.status)}"><td><code>${escapeHtml(job.id)}</code></td><td>${escapeHtml(job.trigger)}</td><td class="time">${escapeHtml(formatTime(job.startedAt))}</td>` +
      `<td class="outcome">${escapeHtml(outcome)}</td><td class="num">${escapeHtml(formatDuration(ms))}</td>` +
      `<td class="chart"><span class="bar" style="width:${width}%"></span></td></tr>`
  }).join('\n')
  return `<section id="jobs"><h2>Last syncs</h2>
<table><thead><tr><th>Job</th><th>Trigger</th><th>Started</th><th>Outcome</th><th>Duration</th><th>Duration (relative)</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</section>`
}

const FINDING_LABELS: Readonly<Record<string, string>> = {
  membershipOnlyInGroup: 'Memberships listed only by the group',
  membershipOnlyInUser: 'Memberships listed only by the user',
  unknownMembers: 'Group members that are not users',
  unknownGroups: 'User groups that do not exist'
}

function findingsSection (snapshot: StatusView['snapshot']): string {
  if (snapshot === null) return ''
  const entries = Object.entries(snapshot.findings)
  const total = entries.reduce((n, [, v]) => n + v, 0)
  return `<section id="findings"><h2>Findings</h2>
<p>${total === 0 ? 'Zuora\'s users and groups agree on every membership.' : `${fmt(total)} disagreements between Zuora's users and groups (counted, never dropped silently):`}</p>
<table><tbody>${entries.map(([key, n]) => `<tr><td>${escapeHtml(FINDING_LABELS[key] ?? key)}</td><td class="num">${fmt(n)}</td></tr>`).join('')}</tbody></table>
</section>`
}

const CSS = `
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:60rem;padding:1rem 1.5rem;color:#1d2430;background:#fff}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1.4rem 0 .4rem;border-bottom:1px solid #dde2ea}
.meta{color:#4a5566}.ok{color:#116b2e;font-weight:600}.bad{color:#a4161a;font-weight:600}
code{font:13px ui-monospace,monospace;background:#f2f4f8;padding:0 .25rem;border-radius:3px}
.counts{display:flex;gap:1rem;flex-wrap:wrap;margin:0}.counts div{border:1px solid #dde2ea;border-radius:6px;padding:.5rem 1rem;min-width:8rem}
.counts dt{color:#4a5566}.counts dd{margin:0;font-size:1.6rem;font-weight:600}.counts dd.note{font-size:.8rem;font-weight:400;color:#4a5566}
progress{width:20rem;height:1rem;vertical-align:middle}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.2rem .5rem;border-bottom:1px solid #eef0f4}.num{text-align:right}
.chart{width:12rem}.time{white-space:nowrap}.bar{display:inline-block;height:.8rem;background:#3b6fd4;border-radius:2px;vertical-align:middle}
tr.failed .bar,tr.aborted .bar{background:#c2410c}tr.failed .outcome,tr.aborted .outcome{color:#a4161a}
footer{margin-top:2rem;color:#6b7687;font-size:.85rem}
`
