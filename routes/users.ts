/** /users — Zuora users as C1 `user` resources, in id order, filtered by status, role, q (bound into the walk's page tokens). */
import { flatUser, FlatUserSchema } from '#src/c1/flat.ts'
import { resourceRoutes } from './resource-routes.ts'

export default resourceRoutes({
  kind: 'user',
  id: 'Immutable Zuora id of the user',
  flat: flatUser,
  flatSchema: FlatUserSchema,
  describe: {
    list: 'Zuora users as C1 `user` resources (UserTrait, explicit status, RawId), sorted by id. Mirrors baton ' +
      'ListResources(user). Follow `nextPageToken` until it is ""; every page of a walk comes from the snapshot of its ' +
      'first page. Filters (status, role, q) narrow the walk and are bound into its page tokens.',
    get: 'One Zuora user (by its immutable Zuora id) as a C1 `user` resource, from the current snapshot.'
  }
})
