/**
 * The tree tells the flow: each layer imports only itself and the layers before it, and no file imports itself
 * back through others. Order (issue 14): config.ts/secret.ts/version.ts → zuora → directory → c1 → sync → api →
 * plugins → routes → app.ts/server.ts/demo. The simulator is a tool of its own: it imports nothing from src/ (types
 * only, if unavoidable), and only the demo may import it.
 */
import { readdir, readFile } from 'node:fs/promises'
import { dirname, join, normalize, relative } from 'node:path'
import t from 'tap'

const ROOT = join(import.meta.dirname, '..')

/** Layers in order; a file belongs to the first whose test matches its path (relative to the root, `/`-separated). */
const LAYERS: ReadonlyArray<readonly [string, (path: string) => boolean]> = [
  ['base', p => ['src/config.ts', 'src/secret.ts', 'src/version.ts'].includes(p)],
  ['zuora', p => p.startsWith('src/zuora/')],
  ['directory', p => p.startsWith('src/directory/')],
  ['c1', p => p.startsWith('src/c1/')],
  ['sync', p => p.startsWith('src/sync/')],
  ['api', p => p.startsWith('src/api/')],
  ['plugins', p => p.startsWith('src/plugins/')],
  ['routes', p => p.startsWith('routes/')],
  ['entry', p => ['src/app.ts', 'src/server.ts', 'src/demo.ts'].includes(p) || p.startsWith('src/demo/')]
]

/** Imports allowed against the order, each with its reason. */
const ALLOWED = new Set([
  // config validates ZUORA_TENANT_BASE_URL against Zuora's hosts; data-centers.ts imports nothing of zuora/ back
  'src/config.ts → src/zuora/data-centers.ts',
  // Config['zuora'] is the connection's own settings type (one definition); a type-only import
  'src/config.ts → src/zuora/types.ts'
])


interface Edge { readonly from: string, readonly to: string, readonly typeOnly: boolean }

async function sourceFiles (dir: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true })
  return entries
    .filter(e => e.isFile() && e.name.endsWith('.ts'))
    .map(e => relative(ROOT, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort()
}

/** Static imports and re-exports (`import type` and `export type` marked as such) and dynamic `import('…')`. */
const IMPORT = /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?'([^']+)'|import\(\s*'([^']+)'\s*\)/gm

function resolveSpecifier (from: string, spec: string): string | undefined {
  if (spec.startsWith('#src/')) return `src/${spec.slice(5)}`
  if (spec.startsWith('#simulator/')) return `simulator/${spec.slice(11)}`
  if (spec.startsWith('.')) return normalize(join(dirname(from), spec)).split('\\').join('/')
  return undefined // a package
}

async function importEdges (files: readonly string[]): Promise<Edge[]> {
  const edges: Edge[] = []
  for (const from of files) {
    const text = await readFile(join(ROOT, from), 'utf8')
    for (const m of text.matchAll(IMPORT)) {
      const to = resolveSpecifier(from, m[3] ?? m[4] ?? '')
      if (to !== undefined) edges.push({ from, to, typeOnly: m[2] !== undefined })
    }
  }
  return edges
}

function layerOf (path: string): number {
  return LAYERS.findIndex(([, test]) => test(path))
}

/** Why an import breaks the rules, or undefined when it keeps them. */
function violation ({ from, to, typeOnly }: Edge): string | undefined {
  const key = `${from} → ${to}`
  if (ALLOWED.has(key)) return undefined
  const fromSim = from.startsWith('simulator/')
  const toSim = to.startsWith('simulator/')
  if (fromSim && toSim) return undefined
  if (fromSim) return typeOnly ? undefined : `${key}: the simulator imports the service`
  if (toSim) return from === 'src/demo.ts' || from.startsWith('src/demo/') ? undefined : `${key}: only the demo may import the simulator`
  const a = layerOf(from)
  const b = layerOf(to)
  if (a < 0) return `${from}: in no layer`
  if (b < 0) return `${to}: in no layer`
  return b > a ? `${key}: ${LAYERS[a]?.[0]} imports ${LAYERS[b]?.[0]}` : undefined
}

/** Every import cycle, once, as `a → b → … → a` starting from its smallest path. */
function cycles (edges: readonly Edge[]): string[] {
  const next = new Map<string, string[]>()
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to])
  const found = new Set<string>()
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (node: string): void => {
    state.set(node, 'open')
    stack.push(node)
    for (const to of new Set(next.get(node) ?? [])) {
      if (state.get(to) === 'open') {
        const loop = stack.slice(stack.indexOf(to))
        const start = loop.indexOf([...loop].sort()[0] as string)
        const rotated = [...loop.slice(start), ...loop.slice(0, start)]
        found.add([...rotated, rotated[0]].join(' → '))
      } else if (state.get(to) === undefined) visit(to)
    }
    stack.pop()
    state.set(node, 'done')
  }
  for (const node of [...next.keys()].sort()) if (state.get(node) === undefined) visit(node)
  return [...found].sort()
}

const files = [...await sourceFiles('src'), ...await sourceFiles('routes'), ...await sourceFiles('simulator')]
const edges = await importEdges(files)
const violations = [...new Set(edges.map(violation).filter(v => v !== undefined))].sort()
const loops = cycles(edges)
// `LAYERS_PRINT=1 npx tsx test/layers.test.ts` prints what is found today
if (process.env.LAYERS_PRINT === '1') console.log(JSON.stringify({ violations, loops }, null, 2))

t.test('the import parser sees the tree', async t => {
  t.ok(files.length > 50, `${files.length} files`)
  t.ok(edges.some(e => e.from === 'src/app.ts'), 'app.ts imports are found')
  t.ok(edges.every(e => files.includes(e.to)), `every import resolves to a file: ${edges.filter(e => !files.includes(e.to)).map(e => `${e.from} → ${e.to}`).join(', ')}`)
  t.equal(violation({ from: 'src/zuora/x.ts', to: 'src/sync/y.ts', typeOnly: false }), 'src/zuora/x.ts → src/sync/y.ts: zuora imports sync')
  t.same(cycles([{ from: 'b', to: 'a', typeOnly: false }, { from: 'a', to: 'b', typeOnly: true }]), ['a → b → a'])
})

t.test('every file imports only its layer and those before it, with no import cycles', async t => {
  t.same(violations, [], 'layer violations')
  t.same(loops, [], 'import cycles')
})
