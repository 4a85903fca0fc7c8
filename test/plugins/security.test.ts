/**
 * helmet headers on every answer, with a CSP that Swagger UI at /docs satisfies: every script and stylesheet the
 * page loads is a same-origin file that is served, and the page has no inline script.
 */
import Fastify from 'fastify'
import t from 'tap'
import problem from '#src/plugins/problem.ts'
import security from '#src/plugins/security.ts'
import swagger from '#src/plugins/swagger.ts'

interface Tap { teardown (fn: () => unknown): void }

async function start (t: Tap): Promise<string> {
  const app = Fastify({ logger: false })
  await app.register(problem)
  await app.register(security)
  await app.register(swagger)
  app.get('/data', async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(() => app.close())
  const address = app.server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
}

/** Directive name → sources. */
function parseCsp (header: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const part of (header ?? '').split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/)
    if (name !== undefined && name !== '') out.set(name, sources)
  }
  return out
}

t.test('security headers on API answers and problems', async t => {
  const url = await start(t)
  for (const path of ['/data', '/nowhere']) {
    const res = await fetch(url + path)
    await res.text()
    t.equal(res.headers.get('x-content-type-options'), 'nosniff', path)
    t.equal(res.headers.get('x-frame-options'), 'SAMEORIGIN', path)
    t.ok(res.headers.get('strict-transport-security'), path)
    t.equal(res.headers.get('x-powered-by'), null, path)
    const csp = parseCsp(res.headers.get('content-security-policy'))
    t.same(csp.get('default-src'), ["'self'"], path)
    t.same(csp.get('script-src'), ["'self'"], `${path}: no inline or eval'd scripts`)
    t.notOk(csp.has('upgrade-insecure-requests'), `${path}: plain-HTTP deployments keep working`)
  }
})

t.test('Swagger UI works under the CSP', async t => {
  const url = await start(t)
  const page = await fetch(`${url}/docs/`)
  t.equal(page.status, 200)
  const csp = parseCsp(page.headers.get('content-security-policy'))
  t.same(csp.get('script-src'), ["'self'"], 'the /docs page gets the same CSP')
  t.ok(csp.get('img-src')?.includes('data:'), 'Swagger UI icons are data: URIs')
  t.ok(csp.get('style-src')?.includes("'unsafe-inline'"), 'Swagger UI sets inline style attributes')
  const html = await page.text()

  const inline = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].filter(m => (m[1] ?? '').trim() !== '')
  t.equal(inline.length, 0, 'no inline scripts (script-src self would block them)')

  const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(m => m[1] as string)
  t.ok(refs.some(r => r.endsWith('swagger-ui-bundle.js')))
  t.ok(refs.some(r => r.endsWith('swagger-initializer.js')))
  for (const ref of refs) {
    const target = new URL(ref, `${url}/docs/`)
    t.equal(target.origin, url, `${ref} is same-origin`)
    const res = await fetch(target)
    t.equal(res.status, 200, `${ref} is served`)
    await res.arrayBuffer()
  }

  const init = await (await fetch(`${url}/docs/static/swagger-initializer.js`)).text()
  t.match(init, /validatorUrl: null/, 'no call to the external validator (img-src would block it)')
  const spec = await fetch(`${url}/docs/json`)
  t.equal(spec.status, 200, 'the document Swagger UI fetches (connect-src self)')
  await spec.text()
})
