/**
 * `npm run docs`: rewrites the generated tables of docs/configuration.md (from `EnvSchema` and its JSDoc lines in
 * src/config.ts) and docs/problems.md (from scripts/problem-catalogue.ts). Only the text between a table's
 * `<!-- generated: … -->` and `<!-- /generated: … -->` markers is replaced; the prose around it is written by hand.
 * test/docs.test.ts fails when a committed table is stale.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { EnvSchema, FILE_VARIANTS } from '#src/config.ts'
import { PROBLEMS } from './problem-catalogue.ts'

const ROOT = new URL('../', import.meta.url)
export const CONFIG_SOURCE = fileURLToPath(new URL('src/config.ts', ROOT))

interface EnvProperty {
  readonly type?: string
  readonly default?: unknown
  readonly minimum?: number
  readonly maximum?: number
  readonly anyOf?: ReadonlyArray<{ readonly const?: unknown }>
}

/** A table cell: pipes escaped, and `<…>` outside code spans shown as text rather than read as HTML. */
const cell = (text: string): string => text
  .split('`')
  .map((part, i) => i % 2 === 1 ? part : part.replace(/</g, '&lt;').replace(/>/g, '&gt;'))
  .join('`')
  .replace(/\|/g, '\\|')
const code = (value: unknown): string => `\`${String(value)}\``

/** `NAME` → its one-line JSDoc in src/config.ts. */
export function envDescriptions (source: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of source.matchAll(/\/\*\*\s*(.+?)\s*\*\/\s*\n\s*([A-Z][A-Z0-9_]*):/g)) out.set(m[2] as string, m[1] as string)
  return out
}

function allowedValues (p: EnvProperty): string {
  if (p.anyOf !== undefined) return p.anyOf.map(v => code(v.const)).join(', ')
  if (p.type === 'boolean') return '`true`, `false`'
  if (p.type === 'integer') return p.maximum !== undefined ? `${p.minimum ?? 0}–${p.maximum}` : `≥ ${p.minimum ?? 0}`
  return 'text'
}

export function renderConfigurationTable (source: string): string {
  const descriptions = envDescriptions(source)
  const required = new Set<string>(EnvSchema.required ?? [])
  const rows = Object.entries(EnvSchema.properties as Record<string, EnvProperty>).map(([name, p]) => {
    const meaning = descriptions.get(name)
    if (meaning === undefined) throw new Error(`src/config.ts: EnvSchema.${name} has no /** one-line JSDoc */`)
    const fallback = p.default !== undefined ? code(p.default) : required.has(name) ? '**required**' : '—'
    const file = FILE_VARIANTS.includes(name) && !meaning.includes(`${name}_FILE`) ? ` Or \`${name}_FILE\`: a file holding it.` : ''
    return `| ${code(name)} | ${fallback} | ${cell(allowedValues(p))} | ${cell(meaning + file)} |`
  })
  return ['| Variable | Default | Values | Meaning |', '|---|---|---|---|', ...rows].join('\n')
}

export function renderProblemTable (): string {
  const rows = PROBLEMS.map(p => `| ${code(p.slug)} | ${p.status} | ${cell(p.when)} |`)
  return ['| slug | status | when |', '|---|---|---|', ...rows].join('\n')
}

/** `text` with the block between the `name` markers replaced by `table`. */
export function replaceGenerated (text: string, name: string, table: string, file: string): string {
  const start = `<!-- generated: ${name} (npm run docs) -->`
  const end = `<!-- /generated: ${name} -->`
  const from = text.indexOf(start)
  const to = text.indexOf(end, from)
  if (from < 0 || to < 0) throw new Error(`${file}: no ${start} … ${end} markers`)
  return `${text.slice(0, from + start.length)}\n${table}\n${text.slice(to)}`
}

/** Each generated document: its path and its text as it should be. */
export async function generateDocs (): Promise<Array<{ file: string, text: string }>> {
  const source = await readFile(CONFIG_SOURCE, 'utf8')
  const tables = [
    { file: 'docs/configuration.md', name: 'env-table', table: renderConfigurationTable(source) },
    { file: 'docs/problems.md', name: 'problem-table', table: renderProblemTable() }
  ]
  return Promise.all(tables.map(async ({ file, name, table }) => {
    const path = fileURLToPath(new URL(file, ROOT))
    return { file: path, text: replaceGenerated(await readFile(path, 'utf8'), name, table, file) }
  }))
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { file, text } of await generateDocs()) {
    await writeFile(file, text)
    console.log(`written ${file}`)
  }
}
