/**
 * Zuora's data centers: the 10 REST hosts, the OneID identity host, and the URL rules the configuration
 * applies to them (zuora-api.md §5). Pure functions: they throw an Error with a user-facing message.
 */

/** Zuora's REST base URLs, exactly the 10 documented hosts (zuora-api.md §5). */
export const ZUORA_REST_HOSTS: readonly string[] = Object.freeze([
  'rest.na.zuora.com', // US Cloud 1 production
  'rest.sandbox.na.zuora.com', // US Cloud 1 API sandbox
  'rest.test.zuora.com', // US developer & central sandbox
  'rest.zuora.com', // US Cloud 2 production
  'rest.apisandbox.zuora.com', // US Cloud 2 API sandbox
  'rest.eu.zuora.com', // EU production
  'rest.sandbox.eu.zuora.com', // EU API sandbox
  'rest.test.eu.zuora.com', // EU developer & central sandbox
  'rest.ap.zuora.com', // APAC production
  'rest.test.ap.zuora.com' // APAC developer & central sandbox
])

/** The OneID identity host (SCIM and its OAuth token endpoint); no regional variant is documented. */
const ONEID_HOST = 'one.zuora.com'

/** allowCustomHosts: hosts other than Zuora's (simulator, tests, egress proxy); plain http only on loopback. */
export interface UrlPolicy { readonly allowCustomHosts: boolean }

/** Describes a URL without its userinfo, so an error message never repeats a password. */
function describe (url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`
}

/**
 * Parses a configured URL and applies the host rules. Custom hosts: https anywhere, http only on loopback.
 * Zuora's hosts: https, no port (not even an explicit :443, which URL would drop), a REST host (or OneID when
 * `oneId`). Returns the URL and its path without trailing slashes.
 */
function parse (raw: string, policy: UrlPolicy, oneId: boolean): { url: URL, path: string } {
  const trimmed = raw.trim()
  let url: URL
  try {
    url = new URL(trimmed)
  } catch {
    throw new Error('not a valid absolute URL (expected e.g. https://rest.eu.zuora.com)')
  }
  if (url.username !== '' || url.password !== '') throw new Error(`credentials in the URL are not allowed (${describe(url)})`)
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(trimmed)) throw new Error(`a query string or fragment is not allowed (${describe(url)})`)
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`only https URLs are allowed (${describe(url)})`)
  if (policy.allowCustomHosts) {
    if (url.protocol === 'http:' && !['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)) {
      throw new Error(`plain http is only allowed for loopback hosts (127.0.0.1, ::1, localhost); use https (${describe(url)})`)
    }
  } else {
    const hint = `use one of Zuora's REST hosts: ${[...ZUORA_REST_HOSTS, ...(oneId ? [ONEID_HOST] : [])].map(h => `https://${h}`).join(', ')}` +
      ' (or set ZUORA_ALLOW_CUSTOM_HOSTS=true for a simulator or proxy)'
    const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(trimmed)?.[1] ?? ''
    if (url.protocol !== 'https:') throw new Error(`only https is allowed for Zuora (${describe(url)}); ${hint}`)
    if (/:\d*$/.test(authority.slice(authority.lastIndexOf('@') + 1))) throw new Error(`a port is not allowed in a Zuora URL (${describe(url)}); ${hint}`)
    // URL lower-cases the hostname
    if (!ZUORA_REST_HOSTS.includes(url.hostname) && !(oneId && url.hostname === ONEID_HOST)) {
      throw new Error(`${url.hostname} is not a Zuora ${oneId ? '' : 'REST '}host; ${hint}`)
    }
  }
  return { url, path: url.pathname.replace(/\/+$/, '') }
}

/**
 * Normalises the tenant REST base URL: strips a trailing `/` and `/v1`; refuses http, userinfo, ports,
 * paths, query strings and hosts other than Zuora's 10 REST hosts (unless custom hosts are allowed).
 * Returns `https://host` (custom hosts: `scheme://host[:port][/path]`).
 */
export function normaliseTenantBaseUrl (raw: string, policy: UrlPolicy): string {
  const { url, path: full } = parse(raw, policy, false)
  const path = full.replace(/\/v1$/i, '').replace(/\/+$/, '')
  if (policy.allowCustomHosts) return `${url.protocol}//${url.host}${path}`
  if (path !== '') throw new Error(`a path is not allowed in the tenant base URL (${describe(url)}); give only the host, e.g. https://${url.hostname}`)
  return `https://${url.hostname}`
}

/**
 * Normalises a token-endpoint or SCIM-base override. Same rules as the tenant base, but the URL may carry
 * a path and may also point at OneID (https://one.zuora.com). A trailing `/` is stripped.
 */
export function normaliseOverrideUrl (raw: string, kind: 'token' | 'scim', policy: UrlPolicy): string {
  const { url, path } = parse(raw, policy, true)
  if (path === '') {
    const example = kind === 'token' ? `https://${ONEID_HOST}/oauth2/token` : `https://${ONEID_HOST}/scim/v2`
    throw new Error(`the ${kind === 'token' ? 'token URL' : 'SCIM base URL'} needs a path, e.g. ${example}`)
  }
  return `${url.protocol}//${url.host}${path}`
}

export const deriveTokenUrl = (base: string): string => `${base}/oauth/token`
export const deriveScimBaseUrl = (base: string): string => `${base}/scim/v2`
