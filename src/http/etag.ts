/**
 * Weak ETags where clients revalidate: successful GET (and HEAD) answers, so that a read sent
 * again with If-None-Match gets an empty 304 when nothing changed. Writes and errors carry
 * none (no client revalidates them), and an answer that set its own ETag (the activity list,
 * media files) keeps it. The tag is one native SHA-1 pass over the bytes already serialized
 * for the answer: no second serialization.
 */
import { hash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

export function etagHook() {
  return function tag(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: Error | null, payload?: unknown) => void): void {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200) {
      done(null, payload);
      return;
    }
    let etag = reply.getHeader('etag');
    if (etag === undefined) {
      if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) {
        done(null, payload);
        return;
      }
      etag = `W/"${hash('sha1', payload, 'base64')}"`;
      void reply.header('etag', etag);
    }
    const given = request.headers['if-none-match'];
    if (given !== undefined && (given === etag || `W/${given}` === etag || given === `W/${String(etag)}`)) {
      void reply.code(304);
      done(null, '');
      return;
    }
    done(null, payload);
  };
}
