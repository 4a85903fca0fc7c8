/**
 * The app without a socket (not a test file): like startTestApp/startStack in ../helper.ts, but requests go through
 * `app.inject` and come back as fetch Responses, so tests read the same either way. Real loopback stays where the
 * socket is the point (stack.test.ts, lifecycle, resilience); Zuora is still the simulator over loopback.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp } from '#src/app.ts'
import { API_TOKEN, startStack, testConfig } from '../helper.ts'
import type { StackOptions, TestApp, TestAppOptions, TestStack } from '../helper.ts'

const NULL_BODY = new Set([101, 204, 205, 304])

/** The app, ready (not listening), with a temporary DATA_DIR; `snapshot` is published before it is ready. */
export async function injectTestApp (opts: TestAppOptions = {}): Promise<TestApp> {
  const { snapshot, env, t, ...rest } = opts
  const dataDir = env?.DATA_DIR ?? await mkdtemp(join(tmpdir(), 'zuora-c1-test-'))
  const app = await buildApp({ startSync: snapshot === undefined, ...rest, config: testConfig({ DATA_DIR: dataDir, ...env }) })
  if (snapshot !== undefined) app.addHook('onReady', async () => { app.snapshots.publish(snapshot) })
  await app.ready()
  let closed = false
  const testApp: TestApp = {
    app,
    url: 'http://inject',
    token: API_TOKEN,
    dataDir,
    async request (path, init = {}) {
      const { token = API_TOKEN, ...rest } = init
      // A fetch Request gives the body its bytes and content-type exactly as fetch would send them.
      const req = new Request(`http://inject${path}`, rest)
      if (token !== null && !req.headers.has('authorization')) req.headers.set('authorization', `Bearer ${token}`)
      const payload = req.body === null ? undefined : Buffer.from(await req.arrayBuffer())
      const res = await app.inject({ method: req.method as 'GET', url: path, headers: Object.fromEntries(req.headers), payload })
      const out = new Headers()
      for (const [name, value] of Object.entries(res.headers)) {
        for (const v of Array.isArray(value) ? value : [value]) if (v !== undefined) out.append(name, String(v))
      }
      return new Response(NULL_BODY.has(res.statusCode) ? null : res.rawPayload, { status: res.statusCode, headers: out })
    },
    async close () {
      if (closed) return
      closed = true
      await app.close()
      if (env?.DATA_DIR === undefined) await rm(dataDir, { recursive: true, force: true })
    }
  }
  t?.teardown(() => testApp.close())
  return testApp
}

/** The simulator (over loopback) + the app wired to it through inject; resolves after the start-up sync. */
export async function injectStack (opts: StackOptions = {}): Promise<TestStack> {
  return await startStack(opts, injectTestApp)
}
