/**
 * Response serializers compiled on first use instead of while the routes are registered: compiling every route's
 * fast-json-stringify function was most of the time from spawn to listening. Once the server listens, the rest
 * are compiled in the background (`compileAll`), so a schema that cannot compile still shows up right after
 * start-up, and the first requests rarely pay for a compile.
 */
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { SerializerFactory } from '@fastify/fast-json-stringify-compiler'

export function lazySerializers () {
  const eager = SerializerSelector()
  const pending = new Set<() => void>()
  /** For Fastify's `schemaController.compilersFactory.buildSerializer`. */
  const build: SerializerFactory = (externalSchemas, options) => {
    const compile = eager(externalSchemas, options)
    return (route) => {
      let serializer: ((doc: unknown) => string) | undefined
      const ensure = (): ((doc: unknown) => string) => {
        if (serializer === undefined) {
          serializer = compile(route)
          pending.delete(ensure)
        }
        return serializer
      }
      pending.add(ensure)
      return (doc) => ensure()(doc)
    }
  }
  return {
    build,
    /** Compiles every serializer not compiled yet, yielding to the event loop between them; resolves with the count. */
    async compileAll (): Promise<number> {
      let n = 0
      for (const ensure of [...pending]) {
        ensure()
        n++
        await new Promise((resolve) => setImmediate(resolve))
      }
      return n
    }
  }
}
