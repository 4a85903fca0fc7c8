/**
 * Child-process entry: a simulator with the options in BENCH_SIM_OPTIONS (JSON); sends `{ url }` to the parent
 * over IPC. Control goes through the simulator's /_sim routes. Exits on 'close'.
 * (The simulator answers `latencyMs` after a request arrived, render included: a remote service with parallel capacity.)
 */
import { startSimulator, type SimulatorOptions } from '#simulator/index.ts'

const options = JSON.parse(process.env.BENCH_SIM_OPTIONS ?? '{}') as SimulatorOptions
const sim = await startSimulator({ ...options, logger: false })
process.send?.({ url: sim.url })
process.on('message', (msg: unknown) => {
  if (msg === 'close') sim.close().then(() => process.exit(0), () => process.exit(1))
})
process.on('disconnect', () => { sim.close().finally(() => process.exit(0)) })
