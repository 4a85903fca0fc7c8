/**
 * The simulator's programmatic control surface and its run-time settings: shared by simulator.ts (which implements
 * it) and control-routes.ts (which serves it over HTTP), so neither imports the other.
 */
import type { RandomFaultOptions, RateLimitOptions, FailPageRule, FaultKind, FaultTarget } from './faults.ts'
import type { SimulatorKnobs } from './context.ts'
import type { SimGroup, SimUser } from './org.ts'
import type { Seed } from './random.ts'
import type { CountersSnapshot, MembershipSide, NewGroup, NewUser } from './state.ts'

/** Knobs that can be changed at run time (control.set / POST /_sim/options). */
export interface SimulatorSettings extends Partial<SimulatorKnobs> {
  /** null turns the rate limiter off. */
  rateLimit?: RateLimitOptions | null
  /** Seeded random faults; null turns them off. */
  faults?: RandomFaultOptions | null
}

export interface CurrentSettings extends SimulatorKnobs {
  rateLimit: RateLimitOptions | null
  faults: RandomFaultOptions | null
}

export interface SimulatorControl {
  readonly clientId: string
  readonly clientSecret: string
  readonly organizationId: string
  /** Changes knobs (shallow merge; `hostile` and `routeLatencyMs` replace as a whole). */
  set(settings: SimulatorSettings): void
  settings(): CurrentSettings
  counters(): CountersSnapshot
  resetCounters(): void
  /** Every issued token becomes invalid (SCIM answers 401 until a new token is fetched). */
  revokeTokens(): number
  /** The next n matching requests fail with `kind` (target default 'scim'). */
  failNext(n: number, kind: FaultKind, target?: FaultTarget): void
  /** Fail a given list page (users or groups) `times` times. */
  failPage(rule: FailPageRule): void
  /** Drops failNext/failPage rules and random faults. */
  clearFaults(): void
  /** Runs fn after the next n list pages (users + groups) have been served, before the next page is answered. */
  mutateAfterPages(n: number, fn: (control: SimulatorControl) => void): void
  /** Live, sorted, read-only views of the directory. */
  users(): readonly SimUser[]
  groups(): readonly SimGroup[]
  user(id: string): SimUser | undefined
  group(id: string): SimGroup | undefined
  addUser(input?: NewUser): SimUser
  updateUser(id: string, patch: Partial<Omit<SimUser, 'id' | 'groups'>>): SimUser
  disableUser(id: string): SimUser
  removeUser(id: string): boolean
  setRoles(id: string, roles: readonly string[]): SimUser
  addGroup(input?: NewGroup): SimGroup
  updateGroup(id: string, patch: Partial<Omit<SimGroup, 'id' | 'members'>>): SimGroup
  removeGroup(id: string): boolean
  addMember(groupId: string, userId: string, side?: MembershipSide): void
  removeMember(groupId: string, userId: string, side?: MembershipSide): void
  /**
   * Back to the start: regenerates the org (same size; `seed` or the original seed), restores the
   * initial knobs, clears faults and page hooks, resets counters. Issued tokens stay valid.
   */
  reset(seed?: Seed): void
}
