/**
 * Entity tags for snapshot-backed responses. A body is a pure function of (snapshot, path, query), so the tag is
 * a hash of those parts: no body hashing. Weak (`W/`), as the same data may be sent with other encodings.
 */
import { createHash } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'

/** `W/"<hash of the parts>"`; pass the syncId first, then whatever else selects the body (path, query). */
export function etag (...parts: string[]): string {
  const h = createHash('sha256')
  for (const part of parts) h.update(part).update('\u0000')
  return `W/"${h.digest('base64url').slice(0, 22)}"`
}

/**
 * Sets `ETag: tag`; when the request's If-None-Match names it (or is `*`), answers 304 and returns true (the
 * handler sends nothing more). Weak comparison, as RFC 9110 §13.1.2 requires for If-None-Match.
 */
export function notModified (request: FastifyRequest, reply: FastifyReply, tag: string): boolean {
  reply.header('etag', tag)
  const opaque = (t: string): string => t.startsWith('W/') ? t.slice(2) : t
  const hit = (request.headers['if-none-match'] ?? '').split(',').some((candidate) => {
    const c = candidate.trim()
    return c === '*' || (c !== '' && opaque(c) === opaque(tag))
  })
  if (hit) reply.code(304).send()
  return hit
}
