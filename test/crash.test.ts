/**
 * Crash safety of the real process: SIGKILL at each moment of a sync — reading Zuora, building the snapshot,
 * persisting it, right after the rename — then a restart. The restart serves a whole snapshot from DATA_DIR (the
 * previous one or the new one, never a mix, never nothing) and leaves no temp file behind.
 *
 * Each sync sees one more user than the one before, so "whole" is checkable: the served snapshot holds exactly
 * the users of the sync that made it. The 12-kill run over a 30k-user sync is bench/crash.ts.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { servedSnapshot, spawnService } from '../bench/lib/spawned-service.ts'
import type { SpawnedService } from '../bench/lib/spawned-service.ts'
import { startSimulator } from '#simulator/index.ts'
import { API_TOKEN, testEnv } from './helper.ts'

const USERS = 1500

const tempFiles = async (dir: string): Promise<string[]> => (await readdir(dir)).filter((n) => n.endsWith('.tmp'))

t.test('SIGKILL while reading, building, persisting and right after the rename: a restart serves a whole snapshot', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'crash-'))
  t.teardown(() => rm(dataDir, { recursive: true, force: true }))
  const sim = await startSimulator({ users: USERS, groups: 12 })
  t.teardown(() => sim.close())
  const children: SpawnedService[] = []
  t.teardown(() => { for (const c of children) c.child.kill('SIGKILL') })
  const start = (level: string, env: Record<string, string> = {}): SpawnedService => {
    const s = spawnService(testEnv({ ZUORA_TENANT_BASE_URL: sim.url, DATA_DIR: dataDir, LOG_LEVEL: level, ...env }))
    children.push(s)
    return s
  }

  // A first snapshot on disk.
  const first = start('info')
  await first.waitFor(/sync succeeded; snapshot published/)
  let before = await servedSnapshot(await first.url, API_TOKEN)
  t.equal(before.users, USERS, 'the first snapshot')
  first.child.kill('SIGKILL')
  await first.exited

  const moments: Array<[string, RegExp]> = [
    ['reading', /"phase":"reading","msg":"sync phase"/],
    ['building', /"phase":"building","msg":"sync phase"/],
    ['persisting', /"msg":"writing a snapshot file"/],
    ['right after the rename', /"msg":"snapshot file renamed into place"/]
  ]
  let orgUsers = USERS
  for (const [moment, logLine] of moments) {
    sim.control.addUser()
    orgUsers++
    sim.control.set({ latencyMs: moment === 'reading' ? 200 : 0 })
    const victim = start('debug')
    await victim.waitFor(logLine)
    victim.child.kill('SIGKILL')
    await victim.exited

    // The restart must serve from disk: its own start-up sync fails (Zuora refuses the secret; the snapshot's
    // source is the SCIM URL and the client id, so the files on disk are still this directory's).
    const restarted = start('info', { ZUORA_OAUTH_CLIENT_SECRET: 'not-the-secret' })
    const now = await servedSnapshot(await restarted.url, API_TOKEN)
    if (now.syncId === before.syncId) {
      t.equal(now.users, before.users, `killed ${moment}: the previous snapshot is served whole`)
    } else {
      t.ok(now.syncId > before.syncId, `killed ${moment}: the new snapshot is served`)
      t.equal(now.users, orgUsers, `killed ${moment}: the new snapshot is served whole`)
    }
    t.same(await tempFiles(dataDir), [], `killed ${moment}: no temp file left after the restart`)
    t.notMatch(restarted.output(), /sync succeeded/, `killed ${moment}: what is served came from disk`)
    t.comment(`killed ${moment}: the restart serves the ${now.syncId === before.syncId ? 'previous' : 'new'} snapshot`)
    before = now
    restarted.child.kill('SIGKILL')
    await restarted.exited
  }
  sim.control.set({ latencyMs: 0 })
})
