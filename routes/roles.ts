/**
 * /roles — the Zuora role catalog (every value of users' roles[], plus ADMIN and USER) as C1 `role` resources; a
 * role id is the role value itself. Each role has one entitlement, `role:<id>:assigned`, granted to its holders.
 */
import { flatRole, FlatRoleSchema } from '#src/c1/flat.ts'
import { resourceRoutes } from './resource-routes.ts'

export default resourceRoutes({
  kind: 'role',
  id: 'The role value, URL-encoded (e.g. ADMIN, USER or a custom role)',
  flat: flatRole,
  flatSchema: FlatRoleSchema,
  describe: {
    list: 'The role catalog as C1 `role` resources (empty RoleTrait, RawId, member count in profile), sorted by id. ' +
      'A role id is the role value itself (e.g. ADMIN). Zuora\'s catalog is open-ended: it is every value found in users\' ' +
      'roles[] plus ADMIN and USER. Mirrors baton ListResources(role).',
    get: 'One role as a C1 `role` resource. The id is the role value (e.g. ADMIN), URL-encoded in the path; ' +
      'a value that cannot be a C1 id (containing \':\', \'/\', \'\\\', control characters, edge spaces, over 1024 bytes) is refused with 400.',
    entitlements: 'Exactly one entitlement: `role:<id>:assigned` (slug assigned, purpose ASSIGNMENT, grantable to users). ' +
      'Mirrors baton ListEntitlements(role).',
    grants: 'One grant per user holding the role: id `role:<id>:assigned:user:<userId>`, with entitlement and principal ' +
      'references, sorted by user id. Paged like the lists (tokens are bound to this role). Mirrors baton ListGrants(role).'
  }
})
