/**
 * OpenAPI examples made by the real mapping (src/c1/mapping.ts), so the documented shapes are exactly what the
 * service serves: a user, a role, a group, their entitlements and grants. The user's and the group's ids are those
 * of records in the demo's seeded directory (`npm run demo`: seed 1, 40 groups), so Swagger UI's "Try it out" on `{id}` paths
 * starts from ids the demo really holds (test/http/examples.test.ts checks them against the generator).
 */
import {
  groupEntitlement, groupGrant, groupResource, roleEntitlement, roleGrant, roleResource, userResource
} from '#src/c1/mapping.ts'
import type { DirectoryGroup, DirectoryUser } from '#src/directory/types.ts'

/** Ids that exist in the demo's directory: the first user and the first group its generator makes, and a role. */
export const DEMO_IDS = {
  user: 'b6b4fe59-0dff-4995-8b08-3c2668434820',
  group: 'ae5e1489-d7b0-482f-ad3e-a16d67104659',
  role: 'ADMIN'
} as const

const USER: DirectoryUser = {
  id: DEMO_IDS.user,
  userName: 'elena.haddad@hooli.example.com',
  displayName: 'Elena Haddad',
  givenName: 'Elena',
  familyName: 'Haddad',
  emails: [{ value: 'elena.haddad@hooli.example.com', type: 'work', primary: true }],
  active: true,
  status: 'ACTIVE',
  ssoEnabled: false,
  region: 'US',
  organizationId: '5619df2e-fa8c-47fa-9c1e-16ab5af4936e',
  created: '2024-10-13T18:32:02.767Z',
  roles: ['ADMIN'],
  groups: [DEMO_IDS.group]
}
const GROUP: DirectoryGroup = {
  id: DEMO_IDS.group,
  displayName: 'Finance',
  description: 'Finance team access',
  organizationId: '5619df2e-fa8c-47fa-9c1e-16ab5af4936e',
  active: true,
  members: [USER.id]
}

export const EXAMPLES = {
  user: userResource(USER),
  role: roleResource('ADMIN', 1),
  group: groupResource(GROUP),
  roleEntitlement: roleEntitlement('ADMIN'),
  groupEntitlement: groupEntitlement(GROUP.id, GROUP.displayName),
  roleGrant: roleGrant('ADMIN', USER.id),
  groupGrant: groupGrant(GROUP.id, USER.id)
} as const

export const EX_SYNC_ID = '2yQ8c1Xk3b9ZlV7mT0pR4sWqE1a'
export const EX_JOB_ID = `job_${EX_SYNC_ID}`

/** What list pages and single answers carry besides their items. */
export const EXAMPLE_PAGE_META = {
  syncId: '2yQ8c1ZqgJmCk0y5n4Yk0cS3tVw',
  snapshotAt: '2026-09-01T12:00:00Z'
} as const
