/** Shared helpers for the Zuora connection tests (not a test file). */
import { MockAgent } from 'undici'
import type { Config } from '#src/config.ts'
import { Secret } from '#src/secret.ts'
import { listEnvelope } from '#simulator/scim-shapes.ts'

export const CLIENT_ID = '00000000-0000-4000-8000-00000000c1a0'
export const CLIENT_SECRET = 'sim-secret-do-not-use-in-production'
export const BASE = 'https://rest.eu.zuora.com'

export interface Tap {
  teardown (fn: () => unknown): void
}

/** Connection config for a simulator listening at `url` (loopback http). */
export function simZuoraConfig (url: string, overrides: Partial<Config['zuora']> = {}): Config['zuora'] {
  return zuoraConfig({ tenantBaseUrl: url, tokenUrl: `${url}/oauth/token`, scimBaseUrl: `${url}/scim/v2`, requestTimeoutMs: 10_000, ...overrides })
}

export function zuoraConfig (overrides: Partial<Config['zuora']> = {}): Config['zuora'] {
  return {
    tenantBaseUrl: BASE,
    tokenUrl: `${BASE}/oauth/token`,
    scimBaseUrl: `${BASE}/scim/v2`,
    clientId: CLIENT_ID,
    clientSecret: new Secret(CLIENT_SECRET),
    maxConcurrency: 4,
    requestTimeoutMs: 5_000,
    maxAttempts: 3,
    usersPageSize: 100,
    groupsPageSize: 100,
    usersStartIndex: 'item',
    groupsStartIndex: 'page',
    // these tests pin exact request sequences: one token request per attempt (auto is tested in token-manager.test.ts)
    clientAuth: 'post',
    ...overrides
  }
}

/** A MockAgent that refuses the network and fails the test if an interceptor was never used. */
export function mockAgent (t: Tap): MockAgent {
  const agent = new MockAgent({ enableCallHistory: true })
  agent.disableNetConnect()
  t.teardown(async () => {
    agent.assertNoPendingInterceptors()
    await agent.close()
  })
  return agent
}

export const JSON_HEADERS = { 'content-type': 'application/json', 'zuora-request-id': 'req-1' }

export function tokenBody (token = 'tok-1', expiresIn = 3599): Record<string, unknown> {
  return { access_token: token, token_type: 'bearer', expires_in: expiresIn, scope: 'user.x tenant.1', jti: 'j' }
}

export function scimUser (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: ['urn:zuora:scim:schemas:1.0:UserExtension', 'urn:ietf:params:scim:schemas:core:2.0:User'],
    id,
    userName: `user-${id}`,
    name: { formatted: `User ${id}`, familyName: id, givenName: 'User' },
    displayName: `User ${id}`,
    active: true,
    emails: [{ value: `${id}@example.com`, display: `${id}@example.com`, type: 'work', primary: true }],
    roles: [{ value: 'USER', display: 'USER' }],
    meta: { created: '2024-01-01T00:00:00.000Z', resourceType: 'User', location: 'http://localhost:9900/scim/v2/Users/x' },
    'urn:zuora:scim:schemas:1.0:UserExtension': { schemas: ['urn:zuora:scim:schemas:1.0:UserExtension'], organizationId: 'org', status: 'ACTIVE', ssoEnabled: false, region: 'EU' },
    ...extra
  }
}

export function scimGroup (id: string, members: string[] = [], extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group', 'urn:zuora:scim:schemas:1.0:GroupExtension'],
    id,
    displayName: `Group ${id}`,
    members: members.map(value => ({ value })),
    'urn:zuora:scim:schemas:1.0:GroupExtension': { schemas: ['urn:zuora:scim:schemas:1.0:GroupExtension'], description: 'd', organizationId: 'org', active: true },
    ...extra
  }
}

/** Zuora's ListResponse as the simulator shapes it (lowercase `resources`, paging fields last). */
export function listResponse (resources: unknown[], totalResults: number, startIndex = 1, itemsPerPage = 100): Record<string, unknown> {
  return listEnvelope(resources, 'resources', { startIndex, itemsPerPage }, totalResults)
}
