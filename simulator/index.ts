/** Public surface of the Zuora simulator (see simulator/README.md). */
export { buildSimulator, startSimulator } from './simulator.ts'
export type {
  BuiltSimulator, CurrentSettings, RunningSimulator, SimulatorControl, SimulatorOptions, SimulatorSettings
} from './simulator.ts'
export { DEFAULT_KNOBS, SIM_CLIENT_ID, SIM_CLIENT_SECRET } from './context.ts'
export type { ErrorShape, HostileOptions, SimulatorKnobs, StartIndexMode } from './context.ts'
export { DEFAULT_ROLES_POOL, generateOrg } from './org.ts'
export type { GenerateOrgOptions, GeneratedOrg, SimGroup, SimUser, UserStatus } from './org.ts'
export { FAULT_KINDS } from './faults.ts'
export type { FailPageRule, FaultKind, FaultTarget, RandomFaultOptions, RateLimitOptions } from './faults.ts'
export type { CountersSnapshot, MembershipSide, NewGroup, NewUser, RouteName } from './state.ts'
export { FilterError, parseGroupFilter, parseUserFilter } from './filters.ts'
