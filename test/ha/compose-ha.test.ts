/**
 * docker-compose.ha.yml speaks the service's language: the api replicas use only variables the service reads,
 * select the PostgreSQL store, and listen on the ports nginx (deploy/ha-nginx.conf) balances over.
 * (`docker-compose -f docker-compose.ha.yml config` itself needs the compose tool; see docs/high-availability.md.)
 */
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { parse } from 'yaml'
import { EnvSchema } from '#src/config.ts'

const root = new URL('../../', import.meta.url)
const known = new Set([...Object.keys(EnvSchema.properties), 'ZUORA_OAUTH_CLIENT_SECRET_FILE', 'API_TOKENS_FILE', 'DATABASE_URL_FILE'])

interface Service { environment?: Record<string, string>, healthcheck?: unknown, image?: string }

t.test('two api replicas on PostgreSQL behind one port', async t => {
  const compose = parse(await readFile(new URL('docker-compose.ha.yml', root), 'utf8'), { merge: true }) as { services: Record<string, Service> }
  const nginx = await readFile(new URL('deploy/ha-nginx.conf', root), 'utf8')
  const apis = Object.entries(compose.services).filter(([name]) => name.startsWith('api-'))
  t.equal(apis.length, 2)
  for (const [name, api] of apis) {
    const env = api.environment ?? {}
    t.same(Object.keys(env).filter((n) => !known.has(n)), [], `${name}: only known variables`)
    t.match(env.DATABASE_URL, /^postgres:\/\/.+@postgres:5432\//, `${name}: the PostgreSQL store`)
    t.match(nginx, `server 127.0.0.1:${env.PORT}`, `${name}: balanced by nginx`)
    t.ok(api.healthcheck, `${name}: healthcheck`)
  }
  t.ok(compose.services.postgres?.healthcheck, 'postgres healthcheck')
  t.match(nginx, 'listen 3000')
})
