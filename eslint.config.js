// `npm run lint`: neostandard, the Fastify ecosystem's own style (no semicolons, space before function parens,
// single quotes), with its TypeScript rules; what git ignores (dist/, coverage, bench results) is not linted.
import neostandard, { resolveIgnoresFromGitignore } from 'neostandard'

export default neostandard({ ts: true, ignores: resolveIgnoresFromGitignore() })
