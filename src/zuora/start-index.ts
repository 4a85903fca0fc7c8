/**
 * How a SCIM server reads `startIndex`, told from one small probe (pure).
 *
 * RFC 7644 makes startIndex a 1-based item index; Zuora documents Groups with a page number. After the first
 * page (startIndex=1), the probe asks for PROBE_COUNT resources from startIndex=2: an item index answers with the
 * first page's 2nd and 3rd resources, a page number with its 3rd and 4th (page 2 of size 2). Anything else is
 * looked at once more by the reader, then named with the evidence (ids per startIndex), never guessed.
 */
import type { StartIndexSemantics } from './types.ts'

export const PROBE_START_INDEX = 2
export const PROBE_COUNT = 2

export type ProbeVerdict =
  | { readonly semantics: StartIndexSemantics }
  | { readonly problem: 'ignores-start-index' | 'ignores-count' | 'neither' }

/** The env variable that sets a resource's semantics. */
export const START_INDEX_SETTING = { users: 'ZUORA_USERS_START_INDEX', groups: 'ZUORA_GROUPS_START_INDEX' } as const

/**
 * `firstIds`: the first page's ids (startIndex=1), at least 2 of them, from a listing longer than that page;
 * `probeIds`: the ids answered for startIndex=2&count=2.
 */
export function classifyProbe (firstIds: readonly string[], probeIds: readonly string[]): ProbeVerdict {
  if (probeIds.length > PROBE_COUNT) return { problem: 'ignores-count' }
  const [p0, p1] = probeIds
  if (p0 === undefined) return { problem: 'neither' }
  if (p0 === firstIds[0]) return { problem: 'ignores-start-index' }
  const agrees = (offset: number): boolean =>
    p0 === firstIds[offset] && (p1 === undefined || firstIds[offset + 1] === undefined || p1 === firstIds[offset + 1])
  if (agrees(1)) return { semantics: 'item' }
  if (agrees(2)) return { semantics: 'page' }
  // a first page of exactly 2 (a server capping count at 2): page 2 starts after it
  if (firstIds.length === 2 && !firstIds.includes(p0) && (p1 === undefined || !firstIds.includes(p1))) return { semantics: 'page' }
  return { problem: 'neither' }
}

function idList (ids: readonly string[], max = 4): string {
  const shown = ids.slice(0, max).map(id => JSON.stringify(id.slice(0, 40)))
  return `[${shown.join(', ')}${ids.length > max ? `, … (${ids.length} in all)` : ''}]`
}

/** Why detection failed, with the evidence and the setting that overrides it. */
export function probeProblemMessage (args: {
  resource: 'users' | 'groups'
  verdict: Exclude<ProbeVerdict, { semantics: StartIndexSemantics }>['problem']
  firstIds: readonly string[]
  firstCount: number
  probeIds: readonly string[]
  totalResults: number
}): string {
  const path = args.resource === 'users' ? 'Users' : 'Groups'
  const setting = START_INDEX_SETTING[args.resource]
  const evidence = `startIndex=1&count=${args.firstCount} returned ${idList(args.firstIds)}; ` +
    `startIndex=${PROBE_START_INDEX}&count=${PROBE_COUNT} returned ${idList(args.probeIds)}`
  const intro = `SCIM ${path}: could not tell how the server reads startIndex (${setting}=auto; totalResults ${args.totalResults}): ${evidence}`
  if (args.verdict === 'ignores-start-index') {
    return `${intro}. The server ignores startIndex (both answers start with the same resource), so a listing longer than one page cannot be read completely; no ${setting} value can fix this: check the SCIM base URL, or ask the server's operator to honour startIndex (RFC 7644 §3.4.2.4).`
  }
  if (args.verdict === 'ignores-count') {
    return `${intro}. The server ignores count (it returned more than ${PROBE_COUNT} resources for count=${PROBE_COUNT}), so pages cannot be planned: check the SCIM base URL, or ask the server's operator to honour count (RFC 7644 §3.4.2.4).`
  }
  return `${intro}. An item index (RFC 7644) would have returned the first page's 2nd and 3rd resources, a page number its 3rd and 4th; the answer fits neither. ` +
    `If the listing was changing, the next sync will detect again; otherwise set ${setting}=item or ${setting}=page to match the server.`
}
