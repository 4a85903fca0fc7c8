/**
 * Shared by the resilience suites (not a test file): a simulator in process, a real ZuoraConnection, the real
 * sync engine with an in-memory store, and a way to compare snapshots without their identity fields.
 */
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '#simulator/index.ts'
import { createZuoraConnection, type ZuoraConnection } from '#src/zuora/connection.ts'
import { createSyncEngine } from '#src/sync/sync-engine.ts'
import { createSnapshotHolder } from '#src/sync/snapshot-holder.ts'
import type { Snapshot } from '#src/sync/snapshot.ts'
import type { PersistedSnapshot, SnapshotStore, SyncEngine, SyncJob } from '#src/sync/types.ts'
import { configForSimulator } from '../../bench/lib/config.ts'

export interface Tap {
  teardown (fn: () => unknown): void
}

export const silentLogger = { info () {}, warn () {}, error () {} }

export interface MemoryStore extends SnapshotStore {
  readonly saved: PersistedSnapshot[]
}

export function memoryStore (): MemoryStore {
  const saved: PersistedSnapshot[] = []
  return {
    saved,
    description: 'memory',
    async load () { return { rejected: [] } },
    async save (s) { saved.push(s) }
  }
}

export interface SyncStack {
  readonly sim: RunningSimulator
  readonly zuora: ZuoraConnection
  readonly holder: ReturnType<typeof createSnapshotHolder>
  readonly store: MemoryStore
  readonly engine: SyncEngine
  /** Every snapshot the holder published, in order. */
  readonly published: Snapshot[]
  /** Triggers a sync and waits for it to finish. */
  sync(): Promise<SyncJob>
}

export async function syncStack (t: Tap, simOptions: SimulatorOptions, env: Record<string, string> = {}): Promise<SyncStack> {
  const sim = await startSimulator(simOptions)
  const config = configForSimulator(sim.url, env)
  const zuora = createZuoraConnection(config.zuora)
  const holder = createSnapshotHolder()
  const published: Snapshot[] = []
  holder.onPublish((s) => { published.push(s) })
  const store = memoryStore()
  const engine = createSyncEngine({ zuora, holder, store, logger: silentLogger, connectorVersion: 'test', intervalSeconds: 0 })
  t.teardown(async () => {
    await engine.close()
    await zuora.close()
    await sim.close()
  })
  return {
    sim,
    zuora,
    holder,
    store,
    engine,
    published,
    async sync () {
      const job = engine.trigger('api')
      await engine.whenIdle()
      const done = engine.job(job.id)
      if (done === undefined) throw new Error(`job ${job.id} vanished`)
      return done
    }
  }
}

/** toPersisted() as JSON without meta.syncId / meta.snapshotAt: equal strings ⇔ same content. */
export function content (s: Snapshot | PersistedSnapshot): string {
  const p: PersistedSnapshot = 'toPersisted' in s ? s.toPersisted() : s
  const { syncId: _id, snapshotAt: _at, ...meta } = p.meta
  return JSON.stringify({ ...p, meta })
}
