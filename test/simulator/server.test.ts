import t from 'tap'
import { main, simulatorConfigFromEnv } from '#simulator/server.ts'
import { SIM_CLIENT_ID } from '#simulator/index.ts'

t.test('env parsing with defaults and errors', async t => {
  const d = simulatorConfigFromEnv({})
  t.match(d, { host: '0.0.0.0', port: 8080, users: 250, groups: 12, seed: 1, latencyMs: 0, clientId: SIM_CLIENT_ID })
  const c = simulatorConfigFromEnv({ SIM_PORT: '0', SIM_HOST: '127.0.0.1', SIM_USERS: '1000', SIM_GROUPS: '20', SIM_SEED: 'abc', SIM_LATENCY_MS: '5', SIM_CLIENT_ID: 'id', SIM_CLIENT_SECRET: 's', SIM_LOG_LEVEL: 'warn' })
  t.match(c, { port: 0, host: '127.0.0.1', users: 1000, groups: 20, seed: 'abc', latencyMs: 5, clientId: 'id', clientSecret: 's', logger: { level: 'warn' } })
  t.equal(simulatorConfigFromEnv({ SIM_SEED: '42' }).seed, 42)
  t.throws(() => simulatorConfigFromEnv({ SIM_PORT: 'x' }), /SIM_PORT/)
  t.throws(() => simulatorConfigFromEnv({ SIM_USERS: '-1' }), /SIM_USERS/)
  t.throws(() => simulatorConfigFromEnv({ SIM_LOG_LEVEL: 'loud' }), /SIM_LOG_LEVEL/)
  t.equal(d.flavor, 'zuora')
  t.equal(simulatorConfigFromEnv({ SIM_FLAVOR: 'standard' }).flavor, 'standard')
  t.throws(() => simulatorConfigFromEnv({ SIM_FLAVOR: 'okta' }), /SIM_FLAVOR/)
})

t.test('main() starts a listening simulator from the environment', async t => {
  const sim = await main({ SIM_PORT: '0', SIM_HOST: '127.0.0.1', SIM_USERS: '7', SIM_GROUPS: '1', SIM_LOG_LEVEL: 'silent' })
  const health = await fetch(`${sim.url}/_sim/health`)
  t.same(await health.json(), { ok: true })
  t.equal(sim.control.users().length, 7)
  const before = process.listenerCount('SIGTERM')
  await sim.close()
  t.equal(process.listenerCount('SIGTERM'), before - 1, 'signal handlers removed on close')
})
