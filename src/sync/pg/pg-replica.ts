/**
 * One replica's connections to PostgreSQL: a small pool for the store (src/sync/pg/pg-store.ts), and the
 * coordinator's own connection, whose lock also fences the store's publishes.
 *
 * Leader election and announcements run on that one dedicated connection: the replica whose connection holds the
 * session-level advisory lock is the leader (PostgreSQL frees it when that connection ends, including a killed
 * process or a terminated backend); the same connection LISTENs for publishes, sync requests and job changes.
 * Every `retryMs` the coordinator reconnects if needed and, as a follower, tries the lock again. TCP keepalives on
 * both sides (client option, server `tcp_keepalives_*` for this session) end the session of a vanished peer quickly.
 */
import pg from 'pg'
import type { ZuoraLogger } from '#src/zuora/logger.ts'
import type { SharedSnapshotStore } from '#src/sync/types.ts'
import { CHANNEL, createPgStore, LEADER_LOCK, LEADER_LOCK_HOLDER, LOCK_CLASS, poolConfig } from './pg-store.ts'

export async function createReplica (url: string, logger: Logger): Promise<{ store: SharedSnapshotStore, coordinator: Coordinator }> {
  const pool = new pg.Pool(poolConfig(url))
  // An idle client's error (database restarted) must not crash the process; the next query reconnects.
  pool.on('error', (err) => { logger.warn({ err: String(err) }, 'a pooled PostgreSQL connection failed') })
  const coordinator = createPgCoordinator({ url, logger })
  try {
    return { store: await createPgStore(pool, { leaderPid: coordinator.leaderPid }), coordinator }
  } catch (err) {
    await pool.end().catch(() => {})
    throw err
  }
}

type Logger = Pick<ZuoraLogger, 'info' | 'warn'>

/** Who may sync (one leader, an advisory lock), and what the other replicas announce (LISTEN/NOTIFY). */
export type Coordinator = ReturnType<typeof createPgCoordinator>

export interface CoordinatorEvents {
  leadership(leader: boolean): void
  /** A replica published `syncId` (or the connection came back: look at what is newest). */
  published(syncId: string | undefined): void
  syncRequested(jobId: string): void
  jobsChanged(): void
}

const KEEPALIVE_SESSION = '-c tcp_keepalives_idle=5 -c tcp_keepalives_interval=2 -c tcp_keepalives_count=3'

/** `retryMs`: between lock attempts and reconnects. */
export function createPgCoordinator (options: { url: string, retryMs?: number, logger?: Logger }) {
  const retryMs = options.retryMs ?? 2000
  let client: pg.Client | undefined
  let pid: number | undefined
  let leader = false
  let seen = false
  let healthy = false
  let closed = false
  let timer: NodeJS.Timeout | undefined
  let events: CoordinatorEvents | undefined
  let ticking: Promise<void> = Promise.resolve()

  function setLeader (value: boolean): void {
    if (leader === value) return
    leader = value
    options.logger?.info({ leader }, value ? 'this replica is now the sync leader' : 'this replica is no longer the sync leader')
    events?.leadership(value)
  }

  function dropConnection (err?: unknown): void {
    if (client === undefined) return
    const old = client
    client = undefined
    pid = undefined
    healthy = false
    setLeader(false)
    if (err !== undefined) options.logger?.warn({ err: String(err) }, 'lost the coordination connection to PostgreSQL; retrying')
    old.end().catch(() => {})
  }

  async function connect (): Promise<pg.Client> {
    const c = new pg.Client({ connectionString: options.url, keepAlive: true, keepAliveInitialDelayMillis: 5000, options: KEEPALIVE_SESSION, connectionTimeoutMillis: 5000, application_name: 'zuora-c1-facade leader' })
    c.on('error', (err) => { if (client === c) dropConnection(err) })
    c.on('end', () => { if (client === c) dropConnection(new Error('connection ended')) })
    c.on('notification', (n) => {
      if (n.channel === CHANNEL.published) events?.published(n.payload)
      else if (n.channel === CHANNEL.syncRequested && leader && n.payload !== undefined) events?.syncRequested(n.payload)
      else if (n.channel === CHANNEL.jobs) events?.jobsChanged()
    })
    await c.connect()
    for (const channel of Object.values(CHANNEL)) await c.query(`LISTEN ${channel}`)
    const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
    pid = rows[0]?.pid
    return c
  }

  async function tick (): Promise<void> {
    if (closed) return
    try {
      let reconnected = false
      if (client === undefined) {
        const c = await connect()
        if (closed) { await c.end(); return }
        client = c
        reconnected = true
      }
      let won = false
      if (!leader) {
        const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [LOCK_CLASS, LEADER_LOCK])
        won = rows[0]?.locked === true
      }
      seen = leader || won || (await client.query(LEADER_LOCK_HOLDER, [LOCK_CLASS, LEADER_LOCK])).rowCount !== 0
      // Healthy only once the leader is known again: a follower never refuses a sync for want of a fresh look.
      healthy = true
      if (won) setLeader(true)
      if (reconnected) {
        events?.published(undefined) // what was published while we were away
        events?.jobsChanged()
      }
    } catch (err) {
      seen = false
      dropConnection(err)
    }
  }

  function loop (): void {
    if (closed) return
    ticking = tick().finally(() => { if (!closed) timer = setTimeout(loop, retryMs).unref() })
  }

  return {
    isLeader: () => leader,
    /** Some replica (this one or another) held the leader lock when last looked at. */
    leaderSeen: () => seen || leader,
    /** The coordination connection works (false while the database is unreachable). */
    healthy: () => healthy,
    /** Backend pid of the lock-holding connection while leader (fences the store's publish). */
    leaderPid: () => leader ? pid : undefined,
    async start (handlers: CoordinatorEvents): Promise<void> {
      events = handlers
      await tick()
      timer = setTimeout(loop, retryMs).unref()
    },
    /** Asks the leader to run a sync whose job is `jobId` (it joins a running one instead). */
    async requestSync (jobId: string): Promise<void> {
      if (client === undefined) throw new Error('no connection to PostgreSQL')
      await client.query('SELECT pg_notify($1, $2)', [CHANNEL.syncRequested, jobId])
    },
    async close (): Promise<void> {
      closed = true
      clearTimeout(timer)
      await ticking
      const c = client
      client = undefined
      leader = false
      await c?.end().catch(() => {})
    }
  }
}
