/**
 * openapi/openapi.json is the committed description of the API: it must equal a fresh generation, document
 * every operation's success and error answers, and pass `redocly lint`.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import t from 'tap'
import { OPENAPI_FILE, generateOpenApi, renderOpenApi } from '../scripts/generate-openapi.ts'
import { DEMO_IDS } from '#src/api/examples.ts'

const STALE = 'openapi/openapi.json is stale: run `npm run openapi` and commit the result'
/** Public operations that cannot fail with a 4xx/5xx of their own. */
const NO_ERROR_RESPONSES = new Set(['getLiveness', 'getOpenApi', 'getStatusPage'])
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']

type Json = any

t.test('the committed document equals a fresh generation', async t => {
  const committed = await readFile(OPENAPI_FILE, 'utf8').catch(() => '')
  const fresh = renderOpenApi(await generateOpenApi())
  t.ok(committed !== '', `${STALE} (file missing)`)
  if (committed === '') return
  t.same(JSON.parse(committed), JSON.parse(fresh), STALE)
  t.equal(committed, fresh, `${STALE} (formatting: sorted keys, 2 spaces, trailing newline)`)
})

t.test('every operation documents its success and its errors', async t => {
  const doc = await generateOpenApi() as Json
  const operations: Array<[string, Json]> = []
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of METHODS) if (item[method] !== undefined) operations.push([`${method.toUpperCase()} ${path}`, item[method]])
  }
  t.ok(operations.length > 10, 'the routes are documented')
  for (const [name, op] of operations) {
    t.ok(op.operationId, `${name}: operationId`)
    t.ok(op.summary, `${name}: summary`)
    t.ok(Array.isArray(op.tags) && op.tags.length > 0, `${name}: tagged`)
    const statuses = Object.keys(op.responses)
    const success = statuses.filter(s => /^2/.test(s))
    t.ok(success.length > 0, `${name}: a 2xx response`)
    for (const s of success) {
      const content = op.responses[s].content as Record<string, Json> | undefined
      t.ok(content !== undefined && Object.values(content).every(m => m.schema !== undefined), `${name}: ${s} has a schema`)
      const json = content?.['application/json']
      if (json !== undefined) t.ok(json.example !== undefined || json.examples !== undefined || hasExample(doc, json.schema), `${name}: ${s} has an example`)
    }
    const errors = statuses.filter(s => /^[45]/.test(s))
    if (!NO_ERROR_RESPONSES.has(op.operationId)) t.ok(errors.length > 0, `${name}: error responses documented`)
    for (const s of errors) {
      const content = op.responses[s].content as Record<string, Json>
      t.same(Object.keys(content), ['application/problem+json'], `${name}: ${s} is a problem`)
      const media = content['application/problem+json'] as Json
      t.same(media.schema, { $ref: '#/components/schemas/Problem' }, `${name}: ${s} is a Problem`)
      const examples = Object.entries((media.examples ?? {}) as Record<string, Json>)
      t.ok(examples.length > 0, `${name}: ${s} has examples`)
      for (const [key, example] of examples) {
        t.equal(example.value.status, Number(s), `${name}: ${s} example ${key} has status ${s}`)
        t.ok(String(example.value.type).endsWith(`/${key.replace(/-\d+$/, '')}`), `${name}: ${s} example ${key} is named for its type`)
      }
    }
    const isPublic = Array.isArray(op.security) && op.security.length === 0
    if (!isPublic) t.ok(statuses.includes('401'), `${name}: needs a token, so documents 401`)
  }
})

t.test('Try it out needs no edits: optional filters are not pre-filled, resource ids are demo ids', async t => {
  const doc = JSON.parse(await readFile(OPENAPI_FILE, 'utf8')) as Json
  const idFor: Record<string, string> = { users: DEMO_IDS.user, groups: DEMO_IDS.group, roles: DEMO_IDS.role }
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const method of METHODS) {
      for (const p of (item[method]?.parameters ?? []) as Json[]) {
        const where = `${method.toUpperCase()} ${path} ${p.name}`
        if (p.in === 'query' && p.name !== 'pageSize') t.equal(p.example, undefined, `${where}: no pre-filled example`)
        const kind = path.split('/')[1] as string
        if (p.in === 'path' && kind in idFor) t.equal(p.example, idFor[kind], `${where}: an id of the demo`)
      }
    }
  }
})

t.test('redocly lint passes (no errors)', async t => {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const bin = fileURLToPath(new URL('../node_modules/.bin/redocly', import.meta.url))
  try {
    await promisify(execFile)(bin, ['lint', '--format=stylish', OPENAPI_FILE], {
      cwd: root,
      timeout: 60_000,
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_UPDATE_NOTIFIER: '1' }
    })
    t.pass('redocly lint: no errors')
  } catch (err) {
    const e = err as { stdout?: string, stderr?: string, message: string }
    t.fail(`redocly lint failed:\n${e.stdout ?? ''}${e.stderr ?? e.message}`)
  }
})

/** An example on the schema itself, on the component it references, or on every branch of a union. */
function hasExample (doc: Json, schema: Json | undefined): boolean {
  if (schema === undefined) return false
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return true
  if (schema.example !== undefined) return true
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '')
    return hasExample(doc, doc.components?.schemas?.[name])
  }
  const branches = schema.anyOf ?? schema.oneOf
  return Array.isArray(branches) && branches.length > 0 && branches.every((b: Json) => hasExample(doc, b))
}
