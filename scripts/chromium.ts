/**
 * Headless Chromium for the browser test and the screenshot script: Debian's `chromium` (or CHROMIUM=/path)
 * driven by playwright-core, which downloads no browser. Fails with a clear message when no browser is installed;
 * the test never skips silently (.ci/run installs `chromium` from Debian when it is missing).
 */
import { accessSync, constants } from 'node:fs'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
] as const

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

/** The Chromium binary: CHROMIUM, else the first Debian/Ubuntu location that exists. */
export function chromiumPath (env: NodeJS.ProcessEnv = process.env): string {
  const candidates = env.CHROMIUM !== undefined && env.CHROMIUM !== '' ? [env.CHROMIUM] : CANDIDATES
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch { /* next */ }
  }
  throw new Error(`No Chromium found (looked at ${candidates.join(', ')}). Install it with ` +
    '`apt-get install -y chromium` (what .ci/run does), or set CHROMIUM=/path/to/chromium.')
}

/** Launches Chromium (Playwright gives each launch a fresh, temporary user-data dir). */
export async function launchChromium (): Promise<Browser> {
  return await chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS], timeout: 30_000 })
}

/**
 * A page that records what a clean page must not report: console errors, uncaught exceptions and CSP violations
 * (a `securitypolicyviolation` listener installed before any script of the page runs).
 */
export async function watchedPage (context: BrowserContext): Promise<{ page: Page, trouble: { problems: string[] } }> {
  const trouble = { problems: [] as string[] }
  await context.exposeFunction('__reportCspViolation', (what: string) => { trouble.problems.push(`CSP violation: ${what}`) })
  await context.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (e) => { window.__reportCspViolation(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber) })"
  })
  const page = await context.newPage()
  page.on('console', (msg) => {
    if (msg.type() === 'error') trouble.problems.push(`console error: ${msg.text()} (${msg.location().url})`)
  })
  page.on('pageerror', (err) => { trouble.problems.push(`page error: ${err.message}`) })
  return { page, trouble }
}
