/**
 * The SCIM filter subset the simulator understands (RFC 7644 §3.4.2.2):
 * operators eq ne co sw ew pr, logic and / or / not, parentheses; attribute names case-insensitive,
 * extension attributes bare (Zuora's examples) or URN-qualified. Anything else → FilterError (400 invalidFilter).
 */
import type { SimGroup, SimUser } from './org.ts'
import { GROUP_EXT, USER_EXT, CORE_GROUP, CORE_USER } from './scim-shapes.ts'

export class FilterError extends Error {
  constructor (message: string) {
    super(message)
    this.name = 'FilterError'
  }
}

type Scalar = string | boolean | number | null
type Getter<T> = (rec: T, orgId: string) => Scalar | Scalar[] | undefined
interface AttrDef<T> { get: Getter<T>, caseExact: boolean }

const USER_ATTRS: Record<string, AttrDef<SimUser>> = {
  id: { get: u => u.id, caseExact: true },
  username: { get: u => u.userName, caseExact: false },
  externalid: { get: u => u.externalId, caseExact: true },
  displayname: { get: u => u.displayName ?? `${u.givenName} ${u.familyName}`, caseExact: false },
  'name.givenname': { get: u => u.givenName, caseExact: false },
  'name.familyname': { get: u => u.familyName, caseExact: false },
  status: { get: u => u.status, caseExact: false },
  active: { get: u => u.active, caseExact: false },
  emails: { get: u => (u.homeEmail === undefined ? [u.workEmail] : [u.workEmail, u.homeEmail]), caseExact: false },
  'emails.value': { get: u => (u.homeEmail === undefined ? [u.workEmail] : [u.workEmail, u.homeEmail]), caseExact: false },
  organizationid: { get: (u, org) => u.organizationId ?? org, caseExact: true },
  ssoenabled: { get: u => u.ssoEnabled, caseExact: false },
  region: { get: u => u.region, caseExact: false },
  'roles.value': { get: u => [...u.roles], caseExact: true },
  roles: { get: u => [...u.roles], caseExact: true },
  'groups.value': { get: u => u.groups, caseExact: true }
}

const GROUP_ATTRS: Record<string, AttrDef<SimGroup>> = {
  id: { get: g => g.id, caseExact: true },
  displayname: { get: g => g.displayName, caseExact: false },
  description: { get: g => g.description, caseExact: false },
  organizationid: { get: (g, org) => g.organizationId ?? org, caseExact: true },
  active: { get: g => g.active, caseExact: false },
  'members.value': { get: g => g.members, caseExact: true },
  members: { get: g => g.members, caseExact: true }
}

const PREFIXES: Record<'user' | 'group', string[]> = {
  user: [USER_EXT.toLowerCase() + ':', CORE_USER.toLowerCase() + ':'],
  group: [GROUP_EXT.toLowerCase() + ':', CORE_GROUP.toLowerCase() + ':']
}

// ---------------------------------------------------------------- tokenizer

type Token = { t: 'lp' } | { t: 'rp' } | { t: 'str', v: string } | { t: 'word', v: string }

function tokenize (input: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < input.length) {
    const c = input[i]
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') { i++; continue }
    if (c === '(') { out.push({ t: 'lp' }); i++; continue }
    if (c === ')') { out.push({ t: 'rp' }); i++; continue }
    if (c === '"') {
      let j = i + 1
      while (j < input.length && input[j] !== '"') j += input[j] === '\\' ? 2 : 1
      if (j >= input.length) throw new FilterError('Unterminated string literal')
      try {
        out.push({ t: 'str', v: JSON.parse(input.slice(i, j + 1)) as string })
      } catch {
        throw new FilterError('Invalid string literal')
      }
      i = j + 1
      continue
    }
    const m = /^[A-Za-z0-9_:.$+-]+/.exec(input.slice(i))
    if (m === null) throw new FilterError(`Unexpected character '${c}' at ${i}`)
    out.push({ t: 'word', v: m[0] })
    i += m[0].length
  }
  return out
}

// ---------------------------------------------------------------- parser → predicate

export type Predicate<T> = (rec: T, orgId: string) => boolean

const COMPARE_OPS = new Set(['eq', 'ne', 'co', 'sw', 'ew'])

function literal (tok: Token | undefined): Scalar {
  if (tok === undefined) throw new FilterError('Missing comparison value')
  if (tok.t === 'str') return tok.v
  if (tok.t !== 'word') throw new FilterError('Missing comparison value')
  const w = tok.v.toLowerCase()
  if (w === 'true') return true
  if (w === 'false') return false
  if (w === 'null') return null
  if (/^-?\d+(\.\d+)?$/.test(w)) return Number(w)
  throw new FilterError(`Invalid comparison value '${tok.v}'`)
}

function compareOne (actual: Scalar, op: string, expected: Scalar, caseExact: boolean): boolean {
  if (typeof actual === 'string' && typeof expected === 'string') {
    const a = caseExact ? actual : actual.toLowerCase()
    const e = caseExact ? expected : expected.toLowerCase()
    switch (op) {
      case 'eq': return a === e
      case 'ne': return a !== e
      case 'co': return a.includes(e)
      case 'sw': return a.startsWith(e)
      case 'ew': return a.endsWith(e)
    }
  }
  if (op === 'eq') return actual === expected
  if (op === 'ne') return actual !== expected
  return false
}

function compile<T> (tokens: Token[], attrs: Record<string, AttrDef<T>>, prefixes: string[]): Predicate<T> {
  let pos = 0
  const peekWord = (): string | undefined => {
    const t = tokens[pos]
    return t !== undefined && t.t === 'word' ? t.v.toLowerCase() : undefined
  }

  const resolve = (raw: string): AttrDef<T> => {
    let name = raw.toLowerCase()
    for (const p of prefixes) if (name.startsWith(p)) name = name.slice(p.length)
    const def = attrs[name]
    if (def === undefined) throw new FilterError(`Unsupported filter attribute '${raw}'`)
    return def
  }

  const comparison = (): Predicate<T> => {
    const tok = tokens[pos++]
    if (tok === undefined || tok.t !== 'word') throw new FilterError('Expected an attribute name')
    if (tok.v.includes('[')) throw new FilterError('Value paths are not supported')
    const def = resolve(tok.v)
    const op = peekWord()
    if (op === undefined) throw new FilterError(`Expected an operator after '${tok.v}'`)
    pos++
    if (op === 'pr') {
      return (rec, org) => {
        const v = def.get(rec, org)
        if (Array.isArray(v)) return v.length > 0
        return v !== undefined && v !== null && v !== ''
      }
    }
    if (!COMPARE_OPS.has(op)) throw new FilterError(`Unsupported operator '${op}'`)
    const expected = literal(tokens[pos++])
    return (rec, org) => {
      const v = def.get(rec, org)
      if (v === undefined || v === null) return op === 'ne' ? expected !== null : op === 'eq' && expected === null
      if (Array.isArray(v)) {
        return op === 'ne'
          ? v.every(x => compareOne(x, 'ne', expected, def.caseExact))
          : v.some(x => compareOne(x, op, expected, def.caseExact))
      }
      return compareOne(v, op, expected, def.caseExact)
    }
  }

  const factor = (): Predicate<T> => {
    const tok = tokens[pos]
    if (tok === undefined) throw new FilterError('Unexpected end of filter')
    if (tok.t === 'lp') {
      pos++
      const inner = orExpr()
      if (tokens[pos]?.t !== 'rp') throw new FilterError('Missing )')
      pos++
      return inner
    }
    if (tok.t === 'word' && tok.v.toLowerCase() === 'not') {
      pos++
      if (tokens[pos]?.t !== 'lp') throw new FilterError("'not' needs parentheses")
      const inner = factor()
      return (rec, org) => !inner(rec, org)
    }
    return comparison()
  }

  const andExpr = (): Predicate<T> => {
    let left = factor()
    while (peekWord() === 'and') {
      pos++
      const l = left
      const r = factor()
      left = (rec, org) => l(rec, org) && r(rec, org)
    }
    return left
  }

  const orExpr = (): Predicate<T> => {
    let left = andExpr()
    while (peekWord() === 'or') {
      pos++
      const l = left
      const r = andExpr()
      left = (rec, org) => l(rec, org) || r(rec, org)
    }
    return left
  }

  const pred = orExpr()
  if (pos !== tokens.length) throw new FilterError('Unexpected trailing input in filter')
  return pred
}

export function parseUserFilter (filter: string): Predicate<SimUser> {
  return compile(tokenize(filter), USER_ATTRS, PREFIXES.user)
}

export function parseGroupFilter (filter: string): Predicate<SimGroup> {
  return compile(tokenize(filter), GROUP_ATTRS, PREFIXES.group)
}
