/**
 * The documentation stays honest: the generated tables of docs/ equal a fresh `npm run docs`, the problem catalogue
 * names exactly the slugs the code answers with, and README.md and docs/ refer only to files in the repository.
 */
import { existsSync } from 'node:fs'
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, normalize, relative } from 'node:path'
import t from 'tap'
import { EnvSchema } from '#src/config.ts'
import { PROBLEMS } from '../scripts/problem-catalogue.ts'
import { CONFIG_SOURCE, envDescriptions, generateDocs } from '../scripts/generate-docs.ts'

const ROOT = join(import.meta.dirname, '..')
const SLUG = /'([a-z]+(?:-[a-z]+)*)'/g
const STALE = 'is stale: run `npm run docs` and commit the result'

async function tsFiles (dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true })
  return entries.filter(e => e.isFile() && e.name.endsWith('.ts')).map(e => join(e.parentPath, e.name))
}

t.test('the generated tables of docs/ are fresh', async t => {
  for (const { file, text } of await generateDocs()) {
    t.equal(await readFile(file, 'utf8'), text, `${relative(ROOT, file)} ${STALE}`)
  }
})

t.test('every variable of EnvSchema has a one-line JSDoc and a line in .env.example', async t => {
  const descriptions = envDescriptions(await readFile(CONFIG_SOURCE, 'utf8'))
  const example = await readFile(join(ROOT, '.env.example'), 'utf8')
  for (const name of Object.keys(EnvSchema.properties)) {
    t.ok(descriptions.has(name), `${name}: JSDoc in src/config.ts`)
    t.match(example, new RegExp(`^${name}=`, 'm'), `${name} in .env.example`)
  }
})

t.test('the problem catalogue names exactly the slugs the code answers with', async t => {
  const explicit = new Set<string>()
  const byStatus = new Set<string>()
  for (const file of [...await tsFiles('src'), ...await tsFiles('routes')]) {
    const text = await readFile(file, 'utf8')
    // `type: 'slug'` (also `type: a ? 'slug' : 'other'`), `problemType('slug')`, `[431, 'slug', …]`; fallbacks `404: 'slug'`
    const places = [/\btype: ([^,}]*)/g, /problemType\(('[^']*')/g, /\[\d{3}, ('[^']*')/g]
    for (const place of places) {
      for (const m of text.matchAll(place)) for (const s of (m[1] as string).matchAll(SLUG)) explicit.add(s[1] as string)
    }
    for (const m of text.matchAll(/^\s*\d{3}: '([a-z-]+)'/gm)) byStatus.add(m[1] as string)
  }
  for (const word of ['http', 'work', 'string']) explicit.delete(word) // other `type:` fields (security scheme, email, JSON Schema)
  const documented = new Set(PROBLEMS.map(p => p.slug))
  t.ok(explicit.size > 15, `slugs found in the code: ${explicit.size}`)
  t.same([...explicit].filter(s => !documented.has(s)).sort(), [], 'slugs used in src/ or routes/ but missing from scripts/problem-catalogue.ts')
  t.same([...documented].filter(s => !explicit.has(s) && !byStatus.has(s)).sort(), [], 'catalogue slugs the code never answers with')
  t.equal(documented.size, PROBLEMS.length, 'each slug once')
})

t.test('README.md and docs/ refer only to files in the repository', async t => {
  const docs = (await readdir(join(ROOT, 'docs'))).filter(f => f.endsWith('.md')).map(f => `docs/${f}`)
  t.ok(docs.length >= 5, `docs: ${docs.join(', ')}`)
  for (const doc of ['README.md', ...docs]) {
    const text = await readFile(join(ROOT, doc), 'utf8')
    for (const m of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      const target = m[1] as string
      if (/^[a-z]+:/.test(target)) continue
      t.ok(existsSync(join(ROOT, dirname(doc), target)), `${doc}: link to ${target}`)
    }
    for (const m of text.matchAll(/(?<![\w/.-])(?:\.\.\/)?((?:src|routes|simulator|test|bench|scripts|c1|docs|openapi|\.ci)\/[\w./-]*\w)/g)) {
      const path = normalize(join(dirname(doc), m[0])).startsWith('..') ? m[1] as string : normalize(join(dirname(doc), m[0]))
      t.ok(existsSync(join(ROOT, path)) || existsSync(join(ROOT, m[1] as string)), `${doc}: ${m[0]} exists`)
    }
    t.notMatch(text, /\b(zuora-api|c1-model|architecture|style)\.md\b/, `${doc}: no research documents outside the repository`)
  }
})

t.test('README.md opens with its title, then the two commands of a fresh machine', async t => {
  const readme = await readFile(join(ROOT, 'README.md'), 'utf8')
  t.match(readme, /^# \S/, 'the title comes first (no code block above it)')
  const first = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? ''
  t.match(first, /^npm ci && npm run demo\b/m)
  t.match(first, /^npm test\b/m)
  t.notMatch(readme, /bench-table/, 'bench figures live in bench/RESULTS.md')
})
