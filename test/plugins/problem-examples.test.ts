/** Error examples of the OpenAPI document: made by the real builders, one per problem type, matching their status. */
import t from 'tap'
import { problemExamples } from '#src/plugins/problem.ts'

t.test('each example has the status it documents and is named for its problem type', async t => {
  const cases: Array<[string, string, number]> = [
    ['get', '/users', 400], ['get', '/users', 401], ['get', '/users', 410], ['get', '/users', 503],
    ['get', '/users/{id}', 400], ['get', '/users/{id}', 404], ['get', '/groups/{id}/grants', 404],
    ['get', '/roles/{id}', 404], ['get', '/sync', 406], ['post', '/sync', 415], ['post', '/sync', 503],
    ['get', '/sync/jobs/{id}', 400], ['get', '/sync/jobs/{id}', 404], ['get', '/metrics', 401], ['get', '/health/ready', 503]
  ]
  for (const [method, path, status] of cases) {
    const examples = problemExamples(method, path, status)
    t.ok(Object.keys(examples).length > 0, `${method} ${path} ${status}: examples`)
    for (const [key, { summary, value }] of Object.entries(examples)) {
      t.equal(value.status, status, `${path} ${status} ${key}: status`)
      t.equal(value.title, summary)
      t.match(value.type, new RegExp(`/${key.replace(/-\d+$/, '')}$`))
      t.match(value.instance, /^\/.* \(request req-1\)$/)
      t.notMatch(value.instance, /\{id\}/, 'the path is concrete')
    }
  }
})

t.test('the 401 examples tell a missing token from a wrong one, naming API_TOKENS', async t => {
  const examples = Object.values(problemExamples('get', '/users', 401))
  t.equal(examples.length, 2)
  t.match(examples[0]?.value.detail, /API_TOKENS/)
  t.match(examples[1]?.value.detail, /not one of this service's API tokens/)
})

t.test('404 examples name the resource kind of the path; ids in instance are the ones the problem is about', async t => {
  const [user] = Object.values(problemExamples('get', '/users/{id}', 404))
  t.equal(user?.summary, 'Unknown user')
  const [group] = Object.values(problemExamples('get', '/groups/{id}', 404))
  t.equal(group?.value.resourceType, 'group')
  t.match(group?.value.instance, `/groups/${String(group?.value.id)} `)
  t.same(problemExamples('get', '/health/live', 500), {}, 'nothing for undocumented combinations')
})
