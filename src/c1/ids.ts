/**
 * C1 (baton-sdk) identifier strings.
 *
 * The SDK builds entitlement and grant ids by joining parts with ':' and does NOT escape them
 * (pkg/types/entitlement NewEntitlementID, pkg/types/grant NewGrantID). C1 keys configuration on these
 * strings, so ours must be byte-identical — and a native id that would make the join ambiguous must be
 * rejected up front (see `unsafeIdReason`), never mangled.
 */

/** Upper bound of every C1 id field (ResourceId.resource, Entitlement.id, Grant.id), in UTF-8 bytes. */
export const MAX_ID_BYTES = 1024

/** `<resourceType>:<resourceId>:<slug>`, e.g. `role:ADMIN:assigned` (= baton-sdk NewEntitlementID). */
export function entitlementId (resourceType: string, resourceId: string, slug: string): string {
  return `${resourceType}:${resourceId}:${slug}`
}

/** `<entitlementId>:<principalType>:<principalId>`, e.g. `role:ADMIN:assigned:user:<uid>` (= baton-sdk NewGrantID). */
export function grantId (entitlementId: string, principalType: string, principalId: string): string {
  return `${entitlementId}:${principalType}:${principalId}`
}

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/
const SEPARATOR = /[:/\\]/
const EDGE_SPACE = /^\s|\s$/

/**
 * Why a native (Zuora) id cannot be used as a C1 id, or undefined when it is safe.
 * Unsafe: empty, longer than 1024 UTF-8 bytes, containing ':' '/' '\' (the SDK joins ids with ':' unescaped;
 * BIDs use '/' and '\'), control characters, unpaired surrogates (not valid UTF-8), or leading/trailing white space.
 */
export function unsafeIdReason (id: string): string | undefined {
  if (typeof id !== 'string') return `is not a string (${typeof id})`
  if (id.length === 0) return 'is empty'
  const bytes = Buffer.byteLength(id, 'utf8')
  if (bytes > MAX_ID_BYTES) return `is ${bytes} bytes long (C1 allows at most ${MAX_ID_BYTES})`
  const sep = SEPARATOR.exec(id)
  if (sep !== null) return `contains '${sep[0]}' at offset ${sep.index} (C1 joins ids with ':' unescaped; '/' and '\\' break baton ids)`
  const ctl = CONTROL.exec(id)
  if (ctl !== null) return `contains the control character U+${ctl[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at offset ${ctl.index}`
  if (LONE_SURROGATE.test(id)) return 'contains an unpaired UTF-16 surrogate (not valid UTF-8)'
  if (EDGE_SPACE.test(id)) return 'has leading or trailing white space'
  return undefined
}

// What JSON.stringify leaves raw but a line-oriented reader may split on or hide: DEL, C1 controls, U+2028/9.
const RAW_AFTER_JSON = /[\u007f-\u009f\u2028\u2029]/g

/**
 * A short, log-safe rendering of an id for error messages: JSON-quoted (C0 controls and unpaired surrogates
 * escaped), DEL, C1 controls and line/paragraph separators escaped too, clipped to `max` characters.
 */
export function quoteId (id: string, max = 80): string {
  const s = typeof id === 'string' ? id : String(id)
  return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s)
    .replace(RAW_AFTER_JSON, c => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
}
