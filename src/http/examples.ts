/**
 * OpenAPI examples made by the real mapping (src/c1/mapping.ts), so the documented shapes are exactly what the
 * service serves: a user, a role, a group, their entitlements and grants.
 */
import {
  groupEntitlement, groupGrant, groupResource, roleEntitlement, roleGrant, roleResource, userResource
} from '../c1/mapping.ts'
import type { DirectoryGroup, DirectoryUser } from '../directory/types.ts'

const ctx = { tenant: 'rest.eu.zuora.com' }
const USER: DirectoryUser = {
  id: 'eb48a32d-2fe6-48d1-8a18-797919f3810a',
  userName: 'amy@example.com',
  displayName: 'Amy Lawrence',
  givenName: 'Amy',
  familyName: 'Lawrence',
  emails: [{ value: 'amy@example.com', type: 'work', primary: true }],
  active: true,
  status: 'ACTIVE',
  ssoEnabled: false,
  region: 'EU',
  organizationId: '5619df2e-fa8c-47fa-9c1e-16ab5af4936e',
  created: '2023-07-13T06:15:25.836Z',
  roles: ['ADMIN'],
  groups: ['7f5c248e-44e8-48d3-bacc-b5bd1253c2e4']
}
const GROUP: DirectoryGroup = {
  id: '7f5c248e-44e8-48d3-bacc-b5bd1253c2e4',
  displayName: 'Finance',
  description: 'Finance team',
  organizationId: '5619df2e-fa8c-47fa-9c1e-16ab5af4936e',
  active: true,
  members: [USER.id]
}

export const EXAMPLES = {
  user: userResource(USER, ctx),
  role: roleResource('ADMIN', 1, ctx),
  group: groupResource(GROUP, ctx),
  roleEntitlement: roleEntitlement('ADMIN'),
  groupEntitlement: groupEntitlement(GROUP.id, GROUP.displayName),
  roleGrant: roleGrant('ADMIN', USER.id),
  groupGrant: groupGrant(GROUP.id, USER.id)
} as const

/** What list pages and single answers carry besides their items. */
export const EXAMPLE_PAGE_META = {
  syncId: '2yQ8c1ZqgJmCk0y5n4Yk0cS3tVw',
  snapshotAt: '2026-09-01T12:00:00Z'
} as const
