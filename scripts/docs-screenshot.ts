/**
 * Proves that Swagger UI and the status page render: starts the demo stack in-process (simulator + service on
 * 127.0.0.1), runs two more syncs so the status page has a history, loads /docs and / in headless Chromium
 * (scripts/chromium.ts), checks what they show, and saves screenshots. The status page's PNG is the one in docs/operations.md.
 *
 *   npx tsx scripts/docs-screenshot.ts [docs.png] [status.png]   (defaults /tmp/swagger-ui.png, docs/status-page.png)
 *
 * Needs a Chromium (`apt-get install -y chromium`; or set CHROMIUM=/path/to/chrome). Exits non-zero when a page
 * did not render, or logged a console error or a CSP violation.
 */
import { stat } from 'node:fs/promises'
import { Writable } from 'node:stream'
import { launchChromium, watchedPage } from './chromium.ts'
import { startDemo } from '#src/demo.ts'

async function main (): Promise<number> {
  const docsOut = process.argv[2] ?? '/tmp/swagger-ui.png'
  const statusOut = process.argv[3] ?? 'docs/status-page.png'
  const sink = new Writable({ write (_chunk, _enc, done) { done() } })
  const demo = await startDemo({ env: { PORT: '0', LOG_LEVEL: 'warn', DEMO_LATENCY_MS: '5' }, out: sink })
  const browser = await launchChromium()
  try {
    const engine = demo.service.app.syncEngine
    for (let i = 0; i < 2; i++) {
      engine.trigger('api')
      await engine.whenIdle()
    }
    const { page, trouble } = await watchedPage(await browser.newContext({ viewport: { width: 1100, height: 900 } }))
    await page.goto(`${demo.url}/docs/`)
    await page.locator('.opblock-tag').first().waitFor({ timeout: 30_000 })
    await page.screenshot({ path: docsOut })
    await page.goto(`${demo.url}/`)
    await page.locator('#count-users').waitFor()
    await page.screenshot({ path: statusOut, fullPage: true })
    if (trouble.problems.length > 0) {
      process.stderr.write(`the pages reported trouble:\n${trouble.problems.join('\n')}\n`)
      return 1
    }
    for (const out of [docsOut, statusOut]) {
      const size = (await stat(out)).size
      if (size < 10_000) {
        process.stderr.write(`screenshot ${out} is suspiciously small (${size} bytes)\n`)
        return 1
      }
    }
    process.stdout.write(`Swagger UI and the status page rendered; screenshots written to ${docsOut} and ${statusOut}\n`)
    return 0
  } finally {
    await browser.close()
    await demo.close()
  }
}

main().then((code) => process.exit(code), (err: unknown) => {
  process.stderr.write(`screenshot failed: ${err instanceof Error ? err.message : String(err)}\n`)
  process.exit(1)
})
