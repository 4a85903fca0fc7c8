/**
 * In real Chromium (Debian's, through playwright-core): Swagger UI at /docs works out of the box on the demo stack
 * (Authorize, then Try it out + Execute with no edits), and the status page at / shows the snapshot and the last
 * sync. Any console error, uncaught page error or CSP violation fails the test (the one deliberate 404 aside).
 */
import { Writable } from 'node:stream'
import t from 'tap'
import type { Page } from 'playwright-core'
import { launchChromium, watchedPage } from '../../scripts/chromium.ts'
import { startDemo } from '#src/demo.ts'
import { DEMO_IDS } from '#src/api/examples.ts'

const sink = new Writable({ write (_chunk, _enc, done) { done() } })
const demo = await startDemo({ env: { PORT: '0', LOG_LEVEL: 'warn', DEMO_USERS: '200', DEMO_LATENCY_MS: '0' }, out: sink })
t.teardown(() => demo.close())
const browser = await launchChromium()
t.teardown(() => browser.close())
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
const { page, trouble } = await watchedPage(context)
const requested: string[] = []
page.on('request', (req) => { requested.push(new URL(req.url()).pathname) })
page.setDefaultTimeout(15_000)

/** Expands an operation, presses Try it out, optionally edits the `id`, presses Execute; answers status and body shown. */
async function tryItOut (page: Page, operation: string, edit?: { id: string }): Promise<{ status: string, body: string, op: ReturnType<Page['locator']> }> {
  const op = page.locator(`#operations-${operation}`)
  await op.locator('.opblock-summary').first().click()
  await op.locator('.try-out__btn').click()
  if (edit !== undefined) await op.locator('tr[data-param-name="id"] input').fill(edit.id)
  await op.locator('.execute').click()
  const row = op.locator('.live-responses-table .response').first()
  await row.locator('.response-col_status').waitFor()
  const status = (await row.locator('.response-col_status').innerText()).trim()
  const body = await row.locator('.response-col_description pre').first().innerText()
  return { status, body, op }
}

t.test('Swagger UI: one document URL, Authorize, Try it out works with no edits', async t => {
  await page.goto(`${demo.url}/docs/`)
  await page.locator('.opblock-tag').first().waitFor()
  t.match(await page.locator('.info .link .url, .info a').first().innerText(), '/openapi.json', 'the UI names /openapi.json')
  t.notOk(requested.includes('/docs/json'), 'Swagger UI never loads /docs/json')
  t.ok(requested.includes('/openapi.json'), 'Swagger UI loads /openapi.json')

  await page.locator('.auth-wrapper .authorize').click()
  await page.locator('.modal-ux input').first().fill(demo.token)
  await page.locator('.modal-ux .auth-btn-wrapper .authorize').click()
  await page.locator('.modal-ux .btn-done').click()

  const users = await tryItOut(page, 'resources-listUsers')
  t.equal(users.status, '200', 'GET /users: 200')
  for (const name of ['status', 'role', 'q']) {
    const input = users.op.locator(`tr[data-param-name="${name}"] input, tr[data-param-name="${name}"] select`).first()
    t.equal(await input.inputValue(), '', `GET /users: filter ${name} is not pre-filled`)
  }
  const page1 = JSON.parse(users.body) as { list: Array<{ id: { resourceType: string } }>, nextPageToken: string }
  t.equal(page1.list.length, 100, 'the first page of users (default pageSize)')
  t.equal(page1.list[0]?.id.resourceType, 'user')
  t.not(page1.nextPageToken, '', 'more pages follow')

  const user = await tryItOut(page, 'resources-getUser')
  t.equal(user.status, '200', 'GET /users/{id} starts from a user of the demo')
  t.match(user.body, DEMO_IDS.user)

  const grants = await tryItOut(page, 'resources-listRoleGrants')
  t.equal(grants.status, '200', 'GET /roles/{id}/grants starts from ADMIN')
  t.match(grants.body, 'role:ADMIN:assigned:user:')

  const missing = await tryItOut(page, 'resources-getGroup', { id: 'no-such-group' })
  t.equal(missing.status, '404', 'an unknown group is a 404')
  t.match(missing.body, 'Unknown group')
  t.match(missing.body, '/problems/not-found')
  t.match(await missing.op.locator('.live-responses-table').innerText(), 'application/problem+json')
})

t.test('the status page at / shows the counts and the last sync', async t => {
  await page.goto(`${demo.url}/`)
  t.equal(await page.locator('#count-users').innerText(), '200')
  t.equal(await page.locator('#count-groups').innerText(), '40')
  const snapshot = demo.service.app.snapshots.current()
  t.equal(await page.locator('#count-roles').innerText(), String(snapshot?.stats.resources.role))
  t.equal(await page.locator('#count-grants').innerText(), snapshot?.stats.grants.toLocaleString('en-US'))
  t.equal(await page.locator('#sync-id').innerText(), snapshot?.syncId)
  t.equal(await page.locator('#ready').innerText(), 'ready')
  const last = page.locator('#jobs tbody tr').first()
  t.match(await last.innerText(), demo.firstSync?.id ?? 'no first sync')
  t.match(await last.locator('.outcome').innerText(), 'succeeded')
  t.ok(await page.locator('#links a[href="/docs"]').count(), 'links to /docs')
})

t.test('no console error, page error or CSP violation', async t => {
  const deliberate = (p: string): boolean => /status of 404/.test(p) && p.includes('/groups/no-such-group')
  t.same(trouble.problems.filter((p) => !deliberate(p)), [], 'clean pages (the deliberate 404 aside)')

  // The watch itself works: an inline script on / is refused by helmet's CSP, and that is reported.
  const probe = await watchedPage(await browser.newContext())
  await probe.page.goto(`${demo.url}/`)
  await probe.page.evaluate("const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.appendChild(s)")
  for (let i = 0; i < 100 && !probe.trouble.problems.some((p) => p.startsWith('CSP violation')); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  t.ok(probe.trouble.problems.some((p) => p.startsWith('CSP violation: script-src')), `a CSP violation is seen (${probe.trouble.problems.join('; ')})`)
})
