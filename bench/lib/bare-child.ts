/**
 * Child-process entry: a bare Fastify route that answers GET /users with fixed bytes (the body and content type
 * the real service answered), the "nothing but the framework" baseline for facade-throughput.
 * BENCH_BARE_FILE = path of the body, BENCH_BARE_TYPE = content type. Sends `{ url }`; exits on 'close'.
 */
import { readFileSync } from 'node:fs'
import Fastify from 'fastify'

const body = readFileSync(process.env.BENCH_BARE_FILE ?? '')
const type = process.env.BENCH_BARE_TYPE ?? 'application/json; charset=utf-8'
const app = Fastify({ logger: false })
app.get('/users', async (_req, reply) => reply.type(type).send(body))
const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.send?.({ url })
process.on('message', (msg: unknown) => {
  if (msg === 'close') app.close().then(() => process.exit(0), () => process.exit(1))
})
process.on('disconnect', () => { app.close().finally(() => process.exit(0)) })
