/**
 * Zuora SCIM reads: list pages and the full directory read, never a partial one. Every call carries a token from
 * the token manager; a 401 invalidates it and retries (see authorisedGet). readDirectory reads the first page of
 * Users and of Groups in parallel, then every remaining page in parallel through the upstream gate (pagePlan),
 * checks the listing held still (instability) and re-reads a resource that moved, boundedly. Group pages queue ahead
 * of user pages so that the groups' verify pass runs alongside the users' pages. With a start-index setting of
 * 'auto', a probe sent with the first pages tells how the server reads startIndex (start-index.ts).
 */
import { setMaxListeners } from 'node:events'
import { AUTH_HINT, ZuoraError, errorFromResponse } from './errors.ts'
import type { ZuoraLogger } from './logger.ts'
import { compareIds, normaliseGroup, normaliseUser } from './normalise.ts'
import { checkGroup, checkListResponse, checkUser, parseJson, type PageContext } from './scim-schemas.ts'
import type { TokenManager } from './token-manager.ts'
import { classifyProbe, PROBE_COUNT, PROBE_START_INDEX, probeProblemMessage, START_INDEX_SETTING } from './start-index.ts'
import type { Upstream, UpstreamResponse } from './upstream.ts'
import type { DirectoryGroup, DirectoryRead, DirectoryUser, ReadOptions, ReadProgress, StartIndexSemantics, ZuoraSettings } from './types.ts'

export type ScimResource = 'users' | 'groups'

/** Extra full re-reads of a resource list whose pages disagree before the read fails. */
export const MAX_REREADS = 2
/** Token refreshes one request may make after 401s on tokens of a client Zuora has accepted before (revocations). */
export const MAX_AUTH_REFRESHES = 3
/** Refuse listings claiming more resources than this (a lying totalResults must not plan a million pages). */
export const MAX_TOTAL_RESULTS = 1_000_000

export interface ScimPage<T> {
  readonly index: number
  readonly count: number
  readonly totalResults: number
  readonly items: readonly T[]
}

export interface RequestOptions {
  readonly signal?: AbortSignal
  /** Called once per HTTP attempt sent (request accounting). */
  readonly onSend?: () => void
}

const RESOURCE_PATH: Record<ScimResource, string> = { users: 'Users', groups: 'Groups' }

/**
 * startIndex of page k (0-based): 'item' → 1 + k·step (RFC 7644; `step` = count, or count − 1 for overlapping
 * pages); 'page' → k + 1 (Zuora's Groups doc).
 */
export function startIndexFor (semantics: 'item' | 'page', pageIndex: number, count: number, step: number = count): number {
  return semantics === 'item' ? 1 + pageIndex * step : pageIndex + 1
}

/**
 * How a listing of `total` resources is cut into pages of `count`. With item semantics consecutive pages overlap by
 * one resource (step = count − 1): if the listing shifts while it is read (a resource removed before a page boundary
 * and another added, totalResults unchanged), the overlap no longer matches and the shift is detected instead of
 * silently skipping a resource. Pages that cannot overlap (page semantics, or a page size of 1) are read twice
 * when there is more than one, and both passes must agree.
 */
export function pagePlan (semantics: 'item' | 'page', total: number, count: number): { step: number, pages: number, verifyPass: boolean } {
  if (semantics === 'item' && count >= 2) {
    const step = count - 1
    return { step, pages: total <= count ? 1 : 1 + Math.ceil((total - count) / step), verifyPass: false }
  }
  const pages = total === 0 ? 1 : Math.max(1, Math.ceil(total / count))
  return { step: count, pages, verifyPass: pages > 1 }
}

/** More resources than count on a first page that is not the whole listing: pages cannot be planned. */
function refuseIgnoredCount (resource: ScimResource, first: ScimPage<unknown>): void {
  const n = first.items.length
  const T = first.totalResults
  if (n <= first.count || n >= T) return
  throw new ZuoraError(
    `SCIM ${RESOURCE_PATH[resource]}: the server ignores count: startIndex=1&count=${first.count} returned ${n} resources of ${T} ` +
    '(RFC 7644 §3.4.2.4: never more than count), so the remaining pages cannot be planned. No partial directory is returned; ' +
    'check the SCIM base URL, or ask the server\'s operator to honour count.',
    { kind: 'upstream', endpoint: resource })
}

/** Pages planned for a listing, from its first page (count adapts to a server that clamps it). */
function plan (resource: ScimResource, first: ScimPage<unknown>, semantics: StartIndexSemantics): { count: number, step: number, pages: number, verifyPass: boolean } {
  const T = first.totalResults
  if (T > MAX_TOTAL_RESULTS) {
    throw new ZuoraError(`SCIM ${RESOURCE_PATH[resource]} listing claims ${T} resources, more than the ${MAX_TOTAL_RESULTS} this client reads`, { kind: 'payload', endpoint: resource })
  }
  const n = first.items.length
  refuseIgnoredCount(resource, first)
  const count = n > first.count ? n : n > 0 && n < Math.min(first.count, T) ? n : first.count
  return { count, ...pagePlan(semantics, T, count) }
}

/** Why a set of pages is not one consistent listing, or undefined if it is. */
function instability (pages: readonly ScimPage<{ id: string }>[], T: number, count: number, step: number, distinct: number): string | undefined {
  for (const p of pages) {
    if (p.totalResults !== T) return `totalResults changed from ${T} to ${p.totalResults} (page ${p.index + 1})`
  }
  if (T > 0 && pages[0].items.length === 0) return `page 1 was empty although totalResults is ${T}`
  for (const p of pages) {
    const expected = Math.min(count, T - p.index * step)
    if (p.items.length !== expected) {
      return `page ${p.index + 1} returned ${p.items.length} resources, expected ${expected} (totalResults ${T}, count ${count})`
    }
    const previous = pages[p.index - 1]
    if (step < count && previous !== undefined && p.items[0]?.id !== previous.items[previous.items.length - 1]?.id) {
      return `page ${p.index + 1} does not start where page ${p.index} ended (the listing shifted during the read)`
    }
  }
  if (distinct !== T) return `${distinct} distinct resources read although totalResults is ${T} (duplicates hide missing resources)`
  return undefined
}

/**
 * Pages are parsed one per turn of the event loop, after the answers already received: those free their slots
 * first (the next requests go out and parsing overlaps them), and the service answers its callers between two
 * pages instead of after a burst of them.
 */
let parsing: Promise<unknown> = Promise.resolve()
function parseTurn (): Promise<unknown> {
  parsing = parsing.then(() => new Promise(resolve => setImmediate(resolve)))
  return parsing
}

const idsOf = (pages: readonly ScimPage<{ id: string }>[]): string[] => pages.flatMap(p => p.items.map(item => item.id))

export function createScimClient (options: {
  readonly config: ZuoraSettings
  readonly upstream: Pick<Upstream, 'send' | 'stats'>
  readonly tokens: TokenManager
  readonly logger?: ZuoraLogger
}) {
  const { config, upstream, tokens } = options
  const base = config.scimBaseUrl

  /**
   * Tokens Zuora has accepted at least once (the last few). A 401 on one of them means it was revoked or expired
   * since; a 401 on a freshly issued token Zuora never accepted means the credentials or the data center are wrong.
   */
  const accepted = new Set<string>()
  function accept (token: string): void {
    accepted.add(token)
    if (accepted.size > 8) accepted.delete(accepted.values().next().value as string)
  }

  /**
   * One GET with a bearer token; any answer but 200 throws. A second 401 on a token Zuora never accepted is a hard
   * auth error (credentials or data center); one on a token it had accepted (revoked mid-read) refreshes again, at
   * most MAX_AUTH_REFRESHES times.
   */
  async function authorisedGet (endpoint: ScimResource, url: string, what: string, opts: RequestOptions): Promise<UpstreamResponse> {
    for (let round = 1; ; round++) {
      const used = await tokens.getToken({ signal: opts.signal })
      const res = await upstream.send({
        endpoint,
        method: 'GET',
        url,
        headers: { authorization: `Bearer ${used}` },
        what,
        signal: opts.signal,
        secrets: () => [used],
        onAttempt: opts.onSend,
        first: endpoint === 'groups',
        // recorded as soon as the status line arrives, before the body is read
        onStatus: status => { if ((status >= 200 && status < 300) || status === 404) accept(used) }
      })
      if (res.status === 200) return res
      if (res.status !== 401) {
        // a 404 means the SCIM base URL is wrong, not a missing resource
        const hint = `no SCIM ${RESOURCE_PATH[endpoint]} endpoint at ${base}/${RESOURCE_PATH[endpoint]}: check ZUORA_SCIM_BASE_URL ` +
          '(it must end in the SCIM root, e.g. https://one.zuora.com/scim/v2, without /Users) and the data center of ZUORA_TENANT_BASE_URL'
        throw errorFromResponse(endpoint, res, { secrets: [used], what, hint: res.status === 404 ? hint : undefined })
      }
      tokens.invalidate(used)
      const wasAccepted = accepted.has(used)
      if (round > MAX_AUTH_REFRESHES || (round >= 2 && !wasAccepted)) {
        const why = wasAccepted ? ` after ${round - 1} token refreshes` : ' even with a freshly issued token'
        // the token endpoint accepted the client, so the usual cause is a SCIM host of another data center
        const hint = wasAccepted
          ? AUTH_HINT
          : `${AUTH_HINT}; here the token endpoint (${new URL(config.tokenUrl).host}) issued the token and the SCIM API (${new URL(base).host}) refused it: ` +
            'ZUORA_TOKEN_URL and ZUORA_SCIM_BASE_URL probably belong to different data centers (or one to OneID, https://one.zuora.com), or the client may not use SCIM'
        throw errorFromResponse(endpoint, res, { secrets: [used], what, note: why, hint })
      }
      options.logger?.info({ endpoint, requestId: res.requestId, round, revoked: wasAccepted }, 'zuora answered 401: refreshing the token and retrying')
    }
  }

  async function listAt<T> (resource: ScimResource, startIndex: number, count: number, what: string, opts: RequestOptions): Promise<ScimPage<T>> {
    const url = `${base}/${RESOURCE_PATH[resource]}?startIndex=${startIndex}&count=${count}`
    const res = await authorisedGet(resource, url, what, opts)
    await parseTurn()
    const ctx: PageContext = { endpoint: resource, where: what, requestId: res.requestId }
    const page = checkListResponse(parseJson(res.text, ctx), ctx)
    const items = resource === 'users'
      ? page.resources.map(r => normaliseUser(checkUser(r, ctx)))
      : page.resources.map(r => normaliseGroup(checkGroup(r, ctx)))
    return { index: 0, count, totalResults: page.totalResults, items: items as unknown as T[] }
  }

  async function readDirectory (readOptions: ReadOptions = {}): Promise<DirectoryRead> {
    if (readOptions.signal?.aborted === true) throw new ZuoraError('Directory read aborted', { kind: 'aborted', endpoint: 'users' })
    const controller = new AbortController()
    const outer = readOptions.signal
    const signal = outer === undefined ? controller.signal : AbortSignal.any([outer, controller.signal])
    // every queued page listens to this signal: hundreds of listeners are expected, not a leak
    setMaxListeners(0, signal)
    const startStats = upstream.stats()
    let requests = 0
    const reqOpts: RequestOptions = { signal, onSend: () => { requests++ } }
    let phase: ReadProgress['phase'] = 'token'
    let pagesDone = 0
    /** Pages planned so far (reported once the first pages are in). */
    let pagesTotal = 2
    const read: Record<ScimResource, number> = { users: 0, groups: 0 }
    /** totalResults of the latest first page, per resource: progress never counts above it. */
    const totals: Record<ScimResource, number> = { users: Infinity, groups: Infinity }
    const configured = { users: config.usersStartIndex, groups: config.groupsStartIndex }
    const fixed = (setting: StartIndexSemantics | 'auto'): StartIndexSemantics | undefined => setting === 'auto' ? undefined : setting
    /** startIndex semantics: configured, or detected by this read's probe ('auto'). */
    const known = { users: fixed(configured.users), groups: fixed(configured.groups) }

    const report = (): void => {
      if (readOptions.onProgress === undefined) return
      const s = upstream.stats()
      try {
        readOptions.onProgress({
          phase,
          pagesDone,
          pagesTotal: phase === 'token' || phase === 'first-pages' ? null : Math.max(pagesTotal, pagesDone),
          usersRead: Math.min(read.users, totals.users),
          groupsRead: Math.min(read.groups, totals.groups),
          retries: s.retries - startStats.retries,
          rateLimitWaits: s.rateLimitWaits - startStats.rateLimitWaits,
          rateLimitWaitMs: s.rateLimitWaitMs - startStats.rateLimitWaitMs
        })
      } catch (err) {
        options.logger?.warn({ err }, 'directory read progress callback threw (ignored)')
      }
    }

    /** `verifying`: a second pass over a page-semantics listing (its resources were counted by the first pass). */
    const fetchPage = async <T>(resource: ScimResource, k: number, count: number, step = count, verifying = false, semantics: StartIndexSemantics = 'item'): Promise<ScimPage<T>> => {
      const startIndex = startIndexFor(semantics, k, count, step)
      const what = `SCIM ${RESOURCE_PATH[resource]} page ${k + 1} (startIndex ${startIndex}, count ${count})`
      const page = { ...await listAt<T>(resource, startIndex, count, what, reqOpts), index: k }
      if (k === 0 && !verifying) totals[resource] = page.totalResults
      if (!verifying) readOptions.onItems?.(page.items as readonly object[])
      pagesDone++
      // progress counts resources, not rows: the planned one-resource overlap and the verify pass add none
      if (!verifying) read[resource] += Math.max(0, page.items.length - (k > 0 && step < count ? 1 : 0))
      report()
      return page
    }

    /** One start-index probe: the ids answered for startIndex=PROBE_START_INDEX&count=PROBE_COUNT. */
    const probe = async (resource: ScimResource): Promise<string[]> => {
      const what = `SCIM ${RESOURCE_PATH[resource]} start-index probe (startIndex ${PROBE_START_INDEX}, count ${PROBE_COUNT})`
      pagesTotal++
      const page = await listAt<{ id: string }>(resource, PROBE_START_INDEX, PROBE_COUNT, what, reqOpts)
      pagesDone++
      report()
      return idsOf([page])
    }
    /**
     * Probes sent with the first pages when a resource's semantics is to be detected: a dependent round less on
     * every multi-page listing, one small request more on a listing that fits one page (its answer is then unused,
     * and so is its failure).
     */
    const early: Partial<Record<ScimResource, Promise<string[]>>> = {}
    const sentProbes: Array<Promise<string[]>> = []

    /** The semantics this read uses for a resource: configured, already detected, or detected now by one probe. */
    const semanticsFor = async (resource: ScimResource, first: ScimPage<{ id: string }>): Promise<StartIndexSemantics> => {
      if (known[resource] !== undefined) return known[resource]
      const sent = early[resource] // answers this first page only: a re-read probes afresh
      early[resource] = undefined
      refuseIgnoredCount(resource, first)
      const n = first.items.length
      // one page, or pages of one resource (both semantics then ask for the same pages): nothing to tell apart
      if (first.totalResults <= n || n < 2) return 'item'
      let firstIds = idsOf([first])
      let probeIds = await (sent ?? probe(resource))
      let verdict = classifyProbe(firstIds, probeIds)
      if ('problem' in verdict && verdict.problem === 'neither') {
        // the listing may have changed between the two answers: look once more (first page and probe together)
        pagesTotal++
        const [again, ids] = await Promise.all([
          listAt<{ id: string }>(resource, 1, first.count, `SCIM ${RESOURCE_PATH[resource]} page 1 again (start-index detection)`, reqOpts)
            .then(p => { pagesDone++; return p }),
          probe(resource)
        ])
        firstIds = idsOf([again])
        probeIds = ids
        verdict = classifyProbe(firstIds, probeIds)
      }
      if ('semantics' in verdict) {
        known[resource] = verdict.semantics
        options.logger?.info({ resource, semantics: verdict.semantics, setting: START_INDEX_SETTING[resource] }, 'zuora startIndex semantics detected')
        return verdict.semantics
      }
      throw new ZuoraError(probeProblemMessage({ resource, verdict: verdict.problem, firstIds, firstCount: first.count, probeIds, totalResults: first.totalResults }), { kind: 'upstream', endpoint: resource })
    }

    const finish = async <T extends { id: string }>(resource: ScimResource, firstPage: ScimPage<unknown>, requestedCount: number): Promise<T[]> => {
      let first = firstPage as ScimPage<T>
      for (let round = 0; ; round++) {
        const T = first.totalResults
        const semantics = await semanticsFor(resource, first)
        const { count, step, pages, verifyPass } = plan(resource, first, semantics)
        if (round === 0) pagesTotal += pages - 1 + (verifyPass ? pages : 0)
        const pass = (from: number, verifying: boolean): Promise<ScimPage<T>[]> =>
          Promise.all(Array.from({ length: pages - from }, (_, i) => fetchPage<T>(resource, from + i, count, step, verifying, semantics)))
        const all = [first, ...await pass(1, false)]
        // one entry per id: the planned overlap repeats a resource at each page boundary
        const byId = new Map<string, T>()
        for (const p of all) for (const item of p.items) byId.set(item.id, item)
        let problem = instability(all, T, count, step, byId.size)
        if (problem === undefined && verifyPass && idsOf(all).join('\n') !== idsOf(await pass(0, true)).join('\n')) {
          problem = 'a second pass over the listing returned other resources (the listing changed during the read)'
        }
        if (problem === undefined) return [...byId.values()].sort((a, b) => compareIds(a.id, b.id))
        if (round >= MAX_REREADS) {
          const setting = START_INDEX_SETTING[resource]
          const cause = configured[resource] !== 'auto'
            ? `If this happens on every sync, ${setting}=${configured[resource]} may not match how the server reads startIndex: set ${setting}=auto to detect it. `
            : ''
          throw new ZuoraError(
            `Zuora's ${RESOURCE_PATH[resource]} listing kept changing while it was read (${round + 1} full reads): ${problem}. ` +
            `${cause}No partial directory is returned; the next sync will try again.`,
            { kind: 'upstream', endpoint: resource })
        }
        options.logger?.warn({ resource, round: round + 1, problem }, 'zuora listing changed during the read: reading it again from the start')
        read[resource] = 0
        first = await fetchPage<T>(resource, 0, requestedCount)
        const next = plan(resource, first, known[resource] ?? 'item')
        pagesTotal += next.pages * (next.verifyPass ? 2 : 1)
      }
    }

    try {
      report()
      await tokens.getToken({ signal })
      phase = 'first-pages'
      report()
      for (const resource of ['users', 'groups'] as const) {
        if (known[resource] !== undefined) continue
        const p = probe(resource)
        p.catch(() => {})
        early[resource] = p
        sentProbes.push(p)
      }
      const [firstUsers, firstGroups] = await Promise.all([
        fetchPage('users', 0, config.usersPageSize),
        fetchPage('groups', 0, config.groupsPageSize)
      ])
      phase = 'pages'
      const [users, groups] = await Promise.all([
        finish<DirectoryUser>('users', firstUsers, config.usersPageSize),
        finish<DirectoryGroup>('groups', firstGroups, config.groupsPageSize)
      ])
      // a probe nobody needed (a listing that fits one page) ends before the read does: nothing reports after it
      await Promise.allSettled(sentProbes)
      phase = 'done'
      pagesTotal = pagesDone
      report()
      return { users, groups, requests }
    } catch (err) {
      controller.abort()
      if (outer?.aborted === true) throw new ZuoraError('Directory read aborted', { kind: 'aborted', endpoint: 'users', cause: err })
      throw err
    }
  }

  return {
    /** One list page of `count` resources from `startIndex`, checked and normalised. */
    readPage: (resource: ScimResource, startIndex: number, count: number, opts: RequestOptions = {}) =>
      listAt<DirectoryUser | DirectoryGroup>(resource, startIndex, count, `SCIM ${RESOURCE_PATH[resource]} page (startIndex ${startIndex}, count ${count})`, opts),
    readDirectory
  }
}
