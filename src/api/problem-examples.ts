/**
 * OpenAPI examples of error answers, one per problem type a path can answer with at a status, made by the same
 * builders the routes throw (HttpProblem + problemJson), so a 401 example says 401 and names what to fix.
 * Keys are the problem slugs; `instance` is the documented path with the demo's ids filled in.
 */
import { metricsUnauthorized, unauthorized } from './auth.ts'
import { DEMO_IDS } from './examples.ts'
import { checkedId, notFound } from './list-page.ts'
import { invalidPageToken } from './page-token.ts'
import { HttpProblem, problemJson } from './problem.ts'
import { problemFromError } from './problem-mapping.ts'
import { snapshotExpired, snapshotNotReady } from './snapshot-access.ts'
import { badQuery, notAcceptable, syncJobNotFound } from './sync-responses.ts'

export interface ProblemExample {
  readonly summary: string
  readonly value: Record<string, unknown>
}

const EX_SYNC_ID = '2yQ8c1Xk3b9ZlV7mT0pR4sWqE1a'
const EX_JOB_ID = `job_${EX_SYNC_ID}`
const KINDS: Readonly<Record<string, keyof typeof DEMO_IDS>> = { users: 'user', groups: 'group', roles: 'role' }

/** The resource kind of a `/<kind>s/{id}…` path, if any. */
function kindOf (path: string): keyof typeof DEMO_IDS | undefined {
  const [, first, second] = path.split('/')
  return second === '{id}' && first !== undefined ? KINDS[first] : undefined
}

function caught (fn: () => unknown): HttpProblem {
  try {
    fn()
  } catch (err) {
    if (err instanceof HttpProblem) return err
    throw err
  }
  throw new Error('expected a problem')
}

function validation (context: string, field: string, keyword: string, message: string): HttpProblem {
  return problemFromError({ validation: [{ instancePath: `/${field}`, keyword, message, params: {} }], validationContext: context })
}

const isList = (path: string, method: string): boolean =>
  method === 'get' && !/\{id\}$/.test(path) && !path.startsWith('/health') && !['/metrics', '/openapi.json', '/sync/jobs'].includes(path)

/** The problems `method path` answers with at `status` (empty: none documented). */
export function problemsFor (method: string, path: string, status: number): HttpProblem[] {
  const kind = kindOf(path)
  switch (status) {
    case 400: {
      const out: HttpProblem[] = []
      if (kind !== undefined) out.push(caught(() => checkedId(kind, 'a:b')))
      if (path === '/sync/jobs/{id}') out.push(validation('params', 'id', 'pattern', 'must match pattern "^job_[0-9A-Za-z]{27}$"'))
      if (isList(path, method)) {
        out.push(validation('querystring', 'pageSize', 'maximum', 'must be <= 250'))
        out.push(invalidPageToken('The pageToken is not one this service issued (or it was altered).'))
      }
      if (path === '/sync') out.push(badQuery('since', 'since must be a syncId (27 base62 characters, as in a page\'s syncId), not "yesterday".'))
      return dedupe(out)
    }
    case 401:
      return path === '/metrics'
        ? [metricsUnauthorized(true), metricsUnauthorized(false)]
        : [unauthorized({ code: 'FST_BEARER_AUTH_MISSING_AUTHORIZATION_HEADER' }), unauthorized({ code: 'FST_BEARER_AUTH_INVALID_AUTHORIZATION_HEADER' })]
    case 404:
      if (path === '/sync/jobs/{id}') return [syncJobNotFound(EX_JOB_ID)]
      return kind !== undefined ? [notFound(kind, kind === 'role' ? 'NO_SUCH_ROLE' : '00000000-0000-0000-0000-000000000000')] : []
    case 406:
      return [notAcceptable('The diff (since=) is served as application/json only.')]
    case 410:
      return [snapshotExpired(EX_SYNC_ID, '2yQ9Tm0aL4xW8pF2nB6cR1vZk7s')]
    case 415:
      return [problemFromError({ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE' })]
    case 503:
      if (path === '/health/ready') {
        return [new HttpProblem(503, 'Not ready', 'no snapshot yet: the first sync (job_2yQ8c1Xk3b9ZlV7mT0pR4sWqE1a) is in phase pages', { type: 'not-ready' })]
      }
      if (path === '/sync' && method === 'post') {
        return [new HttpProblem(503, 'Service is shutting down', 'No new sync can start while the service shuts down; retry on another instance.', { type: 'unavailable' })]
      }
      return [snapshotNotReady(undefined, undefined)]
    default:
      return []
  }
}

/** One title per problem kind: the first of each (type, title) pair. */
function dedupe (problems: HttpProblem[]): HttpProblem[] {
  const seen = new Set<string>()
  return problems.filter((p) => {
    const key = `${p.type} ${p.title}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}

/** Named OpenAPI examples (Example Objects) for `method path` at `status`, keyed by problem slug. */
export function problemExamples (method: string, path: string, status: number): Record<string, ProblemExample> {
  const kind = kindOf(path)
  const out: Record<string, ProblemExample> = {}
  for (const problem of problemsFor(method, path, status)) {
    const slug = problem.type.slice(problem.type.lastIndexOf('/') + 1)
    const id = slug === 'invalid-id' ? 'a%3Ab' : typeof problem.extra.id === 'string' ? problem.extra.id : kind !== undefined ? DEMO_IDS[kind] : EX_JOB_ID
    const instance = `${path.replace('{id}', id)} (request req-1)`
    let key = slug
    for (let i = 2; key in out; i++) key = `${slug}-${i}`
    out[key] = { summary: problem.title, value: problemJson(problem, instance) }
  }
  return out
}
