/**
 * The container files speak the service's language: every variable in .env.example and in docker-compose.yml's
 * api environment is one the service reads (src/config.ts), and every variable it reads is documented.
 * (`docker compose config` itself needs the compose tool; see the README.)
 */
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { EnvSchema, FILE_VARIANTS } from '#src/config.ts'

const root = new URL('../', import.meta.url)
const known = new Set([...Object.keys(EnvSchema.properties), ...FILE_VARIANTS.map(name => `${name}_FILE`)])

t.test('.env.example documents exactly the variables the service reads', async t => {
  const text = await readFile(new URL('.env.example', root), 'utf8')
  const names = [...text.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map(m => m[1] as string)
  t.same(names.filter(n => !known.has(n)), [], 'no unknown variable')
  t.same([...known].filter(n => !names.includes(n)), [], 'every variable documented')
})

t.test("docker-compose.yml's api environment uses only known names", async t => {
  const text = await readFile(new URL('docker-compose.yml', root), 'utf8')
  const api = text.slice(text.indexOf('\n  api:'))
  const env = api.slice(api.indexOf('    environment:'), api.indexOf('    volumes:'))
  const names = [...env.matchAll(/^ {6}([A-Z][A-Z0-9_]*):/gm)].map(m => m[1] as string)
  t.ok(names.length >= 4, 'the api service is wired through the environment')
  t.same(names.filter(n => !known.has(n)), [])
  t.match(api, /env_file: \.env/)
})

t.test('npm start, the Dockerfile and the benches run the service with the same Node flags', async t => {
  const { SERVICE_NODE_FLAGS, COMPILED_CONDITION } = await import('../bench/lib/service-process.ts')
  const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }
  const dockerfile = await readFile(new URL('Dockerfile', root), 'utf8')
  t.equal(pkg.scripts.start, `node ${[...SERVICE_NODE_FLAGS, COMPILED_CONDITION].join(' ')} dist/src/server.js`)
  t.match(dockerfile, `ENTRYPOINT ["node", ${[...SERVICE_NODE_FLAGS, COMPILED_CONDITION].map(f => JSON.stringify(f)).join(', ')}]`)
  t.match(dockerfile, 'CMD ["dist/src/server.js"]')
})

t.test('the service is compiled once at install (npm ci runs prepare) and in the image build', async t => {
  const pkg = JSON.parse(await readFile(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> }
  const dockerfile = await readFile(new URL('Dockerfile', root), 'utf8')
  const compose = await readFile(new URL('docker-compose.yml', root), 'utf8')
  // prepare also builds tap's runner with the plugins of .taprc: its default runner cannot resolve #src/* imports
  t.equal(pkg.scripts.prepare, 'npm run build && tap build')
  t.equal(pkg.scripts.build, 'tsc -p tsconfig.build.json')
  t.match(dockerfile, 'RUN npm run build')
  t.match(dockerfile, 'COPY --from=build /app/dist ./dist')
  t.match(compose, 'command: ["dist/simulator/server.js"]')
})
