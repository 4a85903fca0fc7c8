/** Public surface of the Zuora simulator (see simulator/README.md). */
export { buildSimulator, startSimulator } from './simulator.ts'
export type { RunningSimulator } from './simulator.ts'
export { DEFAULT_KNOBS, SIM_CLIENT_ID, SIM_CLIENT_SECRET } from './control.ts'
export type { CountersSnapshot, HostileOptions, SimulatorControl, SimulatorKnobs, SimulatorOptions, SimulatorSettings } from './control.ts'
export { DEFAULT_ROLES_POOL, generateOrg } from './org.ts'
export type { SimGroup, SimUser } from './org.ts'
export type { FaultKind, RateLimitOptions } from './faults.ts'
