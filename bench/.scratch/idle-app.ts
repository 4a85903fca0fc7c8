import { buildApp } from '../../src/app.ts'
import { configForSimulator } from '../lib/config.ts'
const app = await buildApp({ config: configForSimulator('http://127.0.0.1:9', { DATA_DIR: '/tmp/exp/idle-data' }), startSync: false })
await app.ready()
;(globalThis as any).gc?.()
const u = process.memoryUsage(); console.log('app idle rss', (u.rss / 1048576).toFixed(0), 'heap', (u.heapUsed / 1048576).toFixed(0), 'heapTotal', (u.heapTotal / 1048576).toFixed(0))
await app.close()
