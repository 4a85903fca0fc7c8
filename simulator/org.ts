/**
 * Seeded organisation generator: compact user and group records (JSON is rendered per request).
 * Deterministic for a seed; 100k users + 2k groups in a fraction of a second.
 */
import { createRng, type Rng, type Seed } from './random.ts'

export type UserStatus = 'ACTIVE' | 'INACTIVE' | 'PENDING_ACTIVATION'

export interface SimUser {
  id: string
  userName: string
  externalId?: string
  givenName: string
  familyName: string
  /** Overrides "given family" when set. */
  displayName?: string
  workEmail: string
  homeEmail?: string
  status: UserStatus
  active: boolean
  ssoEnabled: boolean
  region: string
  preferredLanguage: string
  locale: string
  /** epoch milliseconds */
  created: number
  /** Replace, never mutate in place (arrays may be shared between users). */
  roles: readonly string[]
  /** Group ids, sorted. */
  groups: string[]
  /** Overrides the org id when set. */
  organizationId?: string
}

export interface SimGroup {
  id: string
  displayName: string
  description: string
  active: boolean
  /** User ids, sorted. */
  members: string[]
  /** Nested group ids (RFC 7643 members of type Group), sorted; absent = none. */
  memberGroups?: string[]
  organizationId?: string
}

export type GeneratedOrg = ReturnType<typeof generateOrg>

interface GenerateOrgOptions {
  users?: number
  groups?: number
  seed?: Seed
  /** Custom role values handed to some users besides ADMIN/USER. */
  rolesPool?: readonly string[]
  /** Nest some active groups in others (acyclic, up to 3 levels); the rest of the org is unchanged. */
  nestedGroups?: boolean
}

export const DEFAULT_ROLES_POOL: readonly string[] = Object.freeze(['BILLING_ADMIN', 'REPORTING_VIEWER', 'PAYMENTS_OPERATOR', 'FINANCE_APPROVER'])

const GIVEN = ['Amy', 'Anil', 'Beatriz', 'Bo', 'Carlos', 'Chen', 'Dana', 'Dmitri', 'Elena', 'Emeka', 'Fatima', 'Felix', 'Grace', 'Gustav',
  'Hana', 'Hugo', 'Ines', 'Ivan', 'Jamal', 'Julia', 'Kai', 'Keiko', 'Lars', 'Leila', 'Marco', 'Maya', 'Nadia', 'Noah', 'Olga', 'Omar',
  'Priya', 'Paul', 'Qiang', 'Rosa', 'Rahul', 'Sara', 'Sven', 'Tariq', 'Tess', 'Uma', 'Victor', 'Wei', 'Xenia', 'Yusuf', 'Zoe', 'Arjun']
const FAMILY = ['Lawrence', 'Ghosh', 'Silva', 'Nguyen', 'Okafor', 'Müller', 'Rossi', 'Kowalski', 'Tanaka', 'Haddad', 'Smith', 'García',
  'Johansson', 'Dubois', 'Kim', 'Patel', 'Ivanova', 'Brown', "O'Neil", 'Schmidt', 'Costa', 'Novak', 'Ali', 'Chen', 'Martin', 'Berg',
  'Fischer', 'Santos', 'Yamamoto', 'Adeyemi', 'Larsen', 'Moreau', 'Das', 'Weber', 'Lopez', 'Park']
const TEAMS = ['Finance', 'Billing Ops', 'Revenue Accounting', 'Collections', 'Sales Ops', 'Support', 'Engineering', 'Reporting',
  'Payments', 'Audit', 'Tax', 'Order to Cash', 'Pricing', 'Partner Success', 'Security', 'IT Admins']
const EU_LOCALES: ReadonlyArray<readonly [string, string]> = [['en', 'en-GB'], ['de', 'de-DE'], ['fr', 'fr-FR'], ['es', 'es-ES'], ['it', 'it-IT']]
const US_LOCALES: ReadonlyArray<readonly [string, string]> = [['en', 'en-US'], ['en', 'en-US'], ['en', 'en-US'], ['es', 'es-US']]

const CREATED_FROM = Date.UTC(2019, 0, 1)
const CREATED_SPAN = Date.UTC(2025, 5, 1) - CREATED_FROM

const lowered = new Map<string, string>()
function asciiLower (s: string): string {
  let out = lowered.get(s)
  if (out === undefined) {
    out = s.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase()
    lowered.set(s, out)
  }
  return out
}

const byId = (a: { id: string }, b: { id: string }): number => a.id < b.id ? -1 : a.id > b.id ? 1 : 0

/** Sorts by id using the first 8 hex digits as a numeric key (much faster than string compares at 100k). */
function sortById<T extends { id: string }> (items: T[]): void {
  const keyed = items.map(item => ({ k: parseInt(item.id.slice(0, 8), 16), item }))
  keyed.sort((a, b) => a.k - b.k || byId(a.item, b.item))
  for (let i = 0; i < items.length; i++) items[i] = keyed[i].item
}

const ROLE_USER = Object.freeze(['USER'])
const ROLE_ADMIN = Object.freeze(['ADMIN'])
const ROLE_BOTH = Object.freeze(['ADMIN', 'USER'])

function pickRoles (rng: Rng, pool: readonly string[]): readonly string[] {
  const r = rng.next()
  const base = r < 0.08 ? ROLE_ADMIN : r < 0.1 ? ROLE_BOTH : ROLE_USER
  if (pool.length === 0 || !rng.chance(0.2)) return base
  const extra = [pool[rng.int(pool.length)]]
  if (rng.chance(0.15)) extra.push(pool[rng.int(pool.length)])
  return [...new Set([...base, ...extra])]
}

/**
 * Deterministic nesting without the random stream (the rest of the org stays identical): every 6th active group
 * joins the one before it, every 6th + 1 the one two before, and every 12th's parent joins the group 6 before
 * that. A parent always precedes its child, so there is no cycle.
 */
function nestGroups (active: SimGroup[]): void {
  const nest = (parent: SimGroup | undefined, child: SimGroup | undefined): void => {
    if (parent === undefined || child === undefined || parent === child) return
    const list = parent.memberGroups ?? (parent.memberGroups = [])
    if (!list.includes(child.id)) { list.push(child.id); list.sort() }
  }
  for (let i = 6; i < active.length; i++) {
    if (i % 6 === 0) nest(active[i - 1], active[i])
    if (i % 6 === 1) nest(active[i - 2], active[i])
    if (i % 12 === 0) nest(active[i - 6], active[i - 1])
  }
}

/** Builds a deterministic organisation for the seed (users and groups sorted by id). */
export function generateOrg (options: GenerateOrgOptions = {}) {
  const userCount = Math.max(0, Math.trunc(options.users ?? 250))
  const groupCount = Math.max(0, Math.trunc(options.groups ?? 12))
  const seed = options.seed ?? 1
  const pool = options.rolesPool ?? DEFAULT_ROLES_POOL
  const rng = createRng(seed)
  const organizationId = rng.uuid()
  const domain = `${asciiLower(rng.pick(['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark']))}.example.com`

  const groups: SimGroup[] = []
  for (let i = 0; i < groupCount; i++) {
    const team = TEAMS[i % TEAMS.length]
    const round = Math.floor(i / TEAMS.length)
    const inactive = i > 0 && rng.chance(0.05)
    groups.push({
      id: rng.uuid(),
      displayName: round === 0 ? team : `${team} ${round + 1}`,
      description: inactive ? `${team} (retired)` : `${team} team access`,
      active: !inactive,
      members: []
    })
  }
  const activeGroups = groups.filter(g => g.active)

  const users: SimUser[] = []
  const taken = new Set<number>()
  for (let i = 0; i < userCount; i++) {
    const gi = rng.int(GIVEN.length)
    const fi = rng.int(FAMILY.length)
    const [givenName, familyName] = [GIVEN[gi], FAMILY[fi]]
    const [g, f] = [asciiLower(givenName), asciiLower(familyName)]
    // the first holder of a name gets first.last@, later ones a numbered address
    const combo = gi * FAMILY.length + fi
    const workEmail = taken.has(combo) ? `${g}.${f}${i}@${domain}` : `${g}.${f}@${domain}`
    taken.add(combo)
    const userName = rng.chance(0.3) ? `${g[0]}${f}+${i}` : workEmail
    const s = rng.next()
    const status: UserStatus = s < 0.85 ? 'ACTIVE' : s < 0.95 ? 'INACTIVE' : 'PENDING_ACTIVATION'
    const eu = rng.chance(0.3)
    const [preferredLanguage, locale] = rng.pick(eu ? EU_LOCALES : US_LOCALES)
    const ssoEnabled = rng.chance(0.6)
    const user: SimUser = {
      id: rng.uuid(),
      userName,
      givenName,
      familyName,
      workEmail,
      status,
      active: status === 'ACTIVE',
      ssoEnabled,
      region: eu ? 'EU' : 'US',
      preferredLanguage,
      locale,
      created: CREATED_FROM + Math.floor(rng.next() * CREATED_SPAN),
      roles: pickRoles(rng, pool),
      groups: []
    }
    if (ssoEnabled || rng.chance(0.3)) user.externalId = userName
    if (rng.chance(0.15)) user.homeEmail = `${g}${f[0]}${i}@mail.example.org`
    if (activeGroups.length > 0) {
      const m = rng.next()
      const n = m < 0.2 ? 0 : m < 0.7 ? 1 : m < 0.95 ? 2 : 3
      for (let k = 0; k < n; k++) {
        // skewed: low-index groups are bigger
        const r = rng.next()
        const group = activeGroups[Math.floor(r * r * activeGroups.length)]
        if (!user.groups.includes(group.id)) user.groups.push(group.id)
      }
      user.groups.sort()
    }
    users.push(user)
  }
  sortById(users)
  groups.sort(byId)
  const groupById = new Map(groups.map(g => [g.id, g]))
  for (const u of users) {
    for (const gid of u.groups) groupById.get(gid)!.members.push(u.id) // users are sorted, so members are too
  }
  if (options.nestedGroups === true) nestGroups(groups.filter(g => g.active))
  return { seed, organizationId, users, groups } as const
}
