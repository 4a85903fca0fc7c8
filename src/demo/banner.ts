/**
 * What the demo prints once the first sync finished: where the service is, the token, Swagger UI, and three
 * curl commands that work as printed (the token and URL are spelled out; the export line serves README's examples).
 */
import type { SyncJob } from '#src/sync/types.ts'

export interface BannerInput {
  readonly url: string
  readonly token: string
  readonly dataDir: string
  readonly users: number
  readonly groups: number
  readonly simulatorUrl: string
  readonly job: SyncJob | undefined
  /** Set when the requested port was busy and another was chosen. */
  readonly portNote?: string
}

/** Single-quotes a value for POSIX shells. */
export function shellQuote (value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`
}

export function curlExamples (url: string, token: string): string[] {
  const auth = `-H ${shellQuote(`Authorization: Bearer ${token}`)}`
  return [
    `curl -s ${auth} ${shellQuote(`${url}/users?pageSize=2`)}`,
    `curl -s ${auth} ${shellQuote(`${url}/roles/ADMIN/grants?pageSize=3`)}`,
    `curl -s -X POST ${auth} ${shellQuote(`${url}/sync`)}`
  ]
}

function syncLine (job: SyncJob | undefined): string {
  if (job === undefined) return 'no sync has finished yet'
  if (job.status === 'succeeded') {
    return `first sync succeeded in ${((job.durationMs ?? 0) / 1000).toFixed(1)} s: ` +
      `${job.progress.usersRead} users, ${job.progress.groupsRead} groups, snapshot ${job.syncId ?? '?'}`
  }
  return `first sync ${job.status}: ${job.error?.title ?? ''} ${job.error?.detail ?? ''}`.trim()
}

export function banner (input: BannerInput): string {
  const { url, token } = input
  const lines = [
    '',
    `Zuora → ConductorOne façade, demo on a simulated Zuora (${input.users} users, ${input.groups} groups at ${input.simulatorUrl})`,
    `  ${syncLine(input.job)}`,
    ...(input.portNote !== undefined ? [`  note: ${input.portNote}`] : []),
    '',
    `  Base URL     ${url}   (status page: open it in a browser)`,
    `  API token    ${token}`,
    `  Swagger UI   ${url}/docs   (Authorize → paste the API token, then "Try it out")`,
    `  OpenAPI      ${url}/openapi.json`,
    `  Health       ${url}/health/ready   Metrics ${url}/metrics`,
    `  Snapshots    ${input.dataDir}`,
    '',
    'Try (copy and paste):',
    ...curlExamples(url, token).map(c => `  ${c}`),
    '',
    'For the README examples, in another terminal:',
    `  export BASE=${shellQuote(url)} TOKEN=${shellQuote(token)}`,
    '',
    'Ctrl-C stops the service and the simulator.',
    ''
  ]
  return lines.join('\n')
}
