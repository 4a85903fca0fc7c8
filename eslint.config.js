// `npm run lint`: neostandard, the Fastify ecosystem's own style (no semicolons, space before function parens,
// single quotes), with its TypeScript rules; what git ignores (dist/, coverage, bench results) is not linted.
import neostandard, { resolveIgnoresFromGitignore } from 'neostandard'

export default [
  ...neostandard({ ts: true, ignores: resolveIgnoresFromGitignore() }),
  {
    rules: {
      // Our waiting loops (`while (running !== undefined) await running.done`) change their condition through the
      // awaited work or callbacks, which this rule cannot see.
      'no-unmodified-loop-condition': 'off',
      // `void promise` marks a deliberate fire-and-forget (its errors are handled inside).
      'no-void': ['error', { allowAsStatement: true }]
    }
  },
  {
    // prom-client registers a metric in the registry it is constructed with; the object itself is not needed.
    files: ['src/plugins/metrics.ts'],
    rules: { 'no-new': 'off' }
  }
]
