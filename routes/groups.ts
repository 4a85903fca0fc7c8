/**
 * /groups — Zuora user groups as C1 `group` resources (for parity with C1's own Zuora connector), each with one
 * entitlement, `group:<id>:member`, granted to its members.
 */
import { flatGroup, FlatGroupSchema } from '#src/c1/flat.ts'
import { resourceRoutes } from './resource-routes.ts'

export default resourceRoutes({
  kind: 'group',
  id: 'Immutable Zuora id of the user group',
  flat: flatGroup,
  flatSchema: FlatGroupSchema,
  describe: {
    list: 'Zuora user groups as C1 `group` resources (GroupTrait, RawId), sorted by their immutable Zuora id. ' +
      'Mirrors baton ListResources(group).',
    get: 'One Zuora user group (by its immutable Zuora id) as a C1 `group` resource, from the current snapshot.',
    entitlements: 'Exactly one entitlement: `group:<id>:member` (slug member, purpose ASSIGNMENT, grantable to users). ' +
      'Mirrors baton ListEntitlements(group).',
    grants: 'One grant per user in the group: id `group:<id>:member:user:<userId>`, with entitlement and principal ' +
      'references, sorted by user id. Paged like the lists (tokens are bound to this group). Mirrors baton ListGrants(group).'
  }
})
