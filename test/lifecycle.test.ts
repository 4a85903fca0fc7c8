/**
 * The real process lifecycle: `node <flags> --import tsx src/server.ts` against a started simulator. SIGTERM while a sync
 * is reading Zuora → the process exits 0 within the grace period, the sync is aborted, and the snapshot files
 * persisted earlier are untouched. The captured logs carry neither the client secret nor the API token.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { SIM_CLIENT_SECRET, startSimulator } from '#simulator/index.ts'
import type { RunningSimulator } from '#simulator/index.ts'
import { spawnService } from '../bench/lib/spawned-service.ts'
import type { SpawnedService } from '../bench/lib/spawned-service.ts'
import { API_TOKEN, testEnv } from './helper.ts'

function startService (sim: RunningSimulator, dataDir: string): SpawnedService {
  return spawnService(testEnv({ ZUORA_TENANT_BASE_URL: sim.url, DATA_DIR: dataDir, LOG_LEVEL: 'debug' }))
}

async function getJson (url: string, path: string): Promise<{ status: number, body: any }> {
  const res = await fetch(url + path, { headers: { authorization: `Bearer ${API_TOKEN}` } })
  return { status: res.status, body: await res.json() }
}

async function until (what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 3000; i++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function snapshotFiles (dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>()
  for (const name of (await readdir(dir)).sort()) files.set(name, await readFile(join(dir, name)))
  return files
}

t.test('SIGTERM during a running sync: exit 0 within the grace period, previous snapshot intact', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'lifecycle-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const sim = await startSimulator({ users: 400, groups: 6 })
  t.teardown(() => sim.close())

  // 1. A first run persists a snapshot, then stops on SIGTERM while idle.
  const first = startService(sim, dataDir)
  const firstUrl = await first.url
  await until('the first snapshot', async () => (await getJson(firstUrl, '/health/ready')).status === 200)
  const firstSyncId = (await getJson(firstUrl, '/health/ready')).body.syncId as string
  first.child.kill('SIGTERM')
  t.equal(await first.exited, 0, 'idle service exits 0 on SIGTERM')
  const before = await snapshotFiles(dataDir)
  t.ok([...before.keys()].some(n => n.includes(firstSyncId)), 'the snapshot was persisted')

  // 2. A slow Zuora: the second run restores the snapshot and starts a sync that is still reading when SIGTERM comes.
  sim.control.set({ latencyMs: 1500 })
  const second = startService(sim, dataDir)
  const secondUrl = await second.url
  const ready = await getJson(secondUrl, '/health/ready')
  t.equal(ready.status, 200, 'the restored snapshot is served at once')
  t.equal(ready.body.syncId, firstSyncId)
  await until('a running sync', async () => (await getJson(secondUrl, '/health/ready')).body.runningSync !== null)
  t.equal((await getJson(secondUrl, '/sync/jobs')).body.list[0].status, 'running')

  second.child.kill('SIGTERM')
  const code = await second.exited
  t.equal(code, 0, 'exits 0 within the grace period (close-with-grace exits 1 when it runs out)')
  t.match(second.output(), /sync aborted; the current snapshot is still served/)

  const after = await snapshotFiles(dataDir)
  t.same([...after.keys()], [...before.keys()], 'no snapshot file added or removed (no temp file left)')
  for (const [name, bytes] of before) t.ok(after.get(name)?.equals(bytes), `${name} unchanged`)

  const logs = first.output() + second.output()
  t.notMatch(logs, SIM_CLIENT_SECRET, 'client secret never logged')
  t.notMatch(logs, API_TOKEN, 'API token never logged')
})
