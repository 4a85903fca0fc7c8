/** Finding Chromium: a missing browser is a clear failure that says how to install one, never a silent skip. */
import t from 'tap'
import { CHROMIUM_ARGS, chromiumPath } from '../../scripts/chromium.ts'

t.test('CHROMIUM names the binary; a missing one fails with the install command', async t => {
  t.throws(() => chromiumPath({ CHROMIUM: '/nonexistent/chromium' }), /apt-get install -y chromium/)
  t.equal(chromiumPath({ CHROMIUM: process.execPath }), process.execPath, 'any executable path is taken as given')
})

t.test('the launch flags keep the browser headless, offline and stateless', async t => {
  for (const flag of ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']) {
    t.ok(CHROMIUM_ARGS.includes(flag as never), flag)
  }
})
