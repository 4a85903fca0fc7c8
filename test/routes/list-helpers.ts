/**
 * Helpers for the list route tests (not a test file): JSON over HTTP, page walks, problem checks.
 */
import type { Test } from 'tap'
import { FormatRegistry } from '@sinclair/typebox'
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { C1_SCHEMAS } from '#src/c1/model.ts'
import { problemType } from '#src/api/problem.ts'
import type { TestApp } from '../helper.ts'

if (!FormatRegistry.Has('date-time')) FormatRegistry.Set('date-time', (s) => !Number.isNaN(Date.parse(s)))

export type Json = any

export interface JsonResponse { status: number, headers: Headers, body: Json, text: string }

export async function getJson (app: TestApp, path: string, init: RequestInit & { token?: string | null } = {}): Promise<JsonResponse> {
  const res = await app.request(path, init)
  const text = await res.text()
  return { status: res.status, headers: res.headers, text, body: text === '' ? undefined : JSON.parse(text) }
}

export interface Walk { pages: Json[], items: Json[] }

/** Follows nextPageToken from `path` (which may already carry a query) until "". */
export async function walk (t: Test, app: TestApp, path: string, maxPages = 1000): Promise<Walk> {
  const pages: Json[] = []
  let token = ''
  do {
    const sep = path.includes('?') ? '&' : '?'
    const res = await getJson(app, token === '' ? path : `${path}${sep}pageToken=${encodeURIComponent(token)}`)
    if (res.status !== 200) {
      t.fail(`page ${pages.length + 1} of ${path}: ${res.status} ${res.text}`)
      break
    }
    pages.push(res.body)
    token = res.body.nextPageToken
  } while (token !== '' && pages.length < maxPages)
  return { pages, items: pages.flatMap((p) => p.list) }
}

/** Asserts a problem+json answer of `status` and `slug`; returns the body. */
export function isProblem (t: Test, res: JsonResponse, status: number, slug: string, msg: string): Json {
  t.equal(res.status, status, `${msg}: status`)
  t.match(res.headers.get('content-type'), /^application\/problem\+json/, `${msg}: problem+json`)
  t.equal(res.body?.type, problemType(slug), `${msg}: type ${slug}`)
  t.equal(res.body?.status, status, `${msg}: body status`)
  return res.body
}

/** Asserts a 400 naming `parameter` in its errors. */
export function namesParameter (t: Test, res: JsonResponse, parameter: string, msg: string): void {
  t.equal(res.status, 400, `${msg}: 400`)
  t.ok((res.body?.errors ?? []).some((e: Json) => e.parameter === parameter), `${msg}: names ${parameter} (${res.text})`)
}

export function conforms (t: Test, schema: TSchema, value: unknown, msg: string): void {
  const ok = Value.Check(schema, [...C1_SCHEMAS], value)
  t.ok(ok, msg)
  if (!ok) t.comment([...Value.Errors(schema, [...C1_SCHEMAS], value)].slice(0, 3).map((e) => `${e.path}: ${e.message}`).join('\n'))
}

export function ids (items: Json[]): string[] {
  return items.map((r) => typeof r.id === 'string' ? r.id : r.id.resource)
}

export function codeUnitSorted (xs: readonly string[]): string[] {
  return [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
