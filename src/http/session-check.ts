/**
 * Every authenticated answer leaves only after its session was found live. Most requests check
 * it on a request they already make (src/patterns/acting.ts); for the rest this onSend hook
 * reads the User item once (src/patterns/session-check.ts) and turns the answer, whatever it
 * was, into 401 SESSION_ENDED if the session has ended. It runs before compression and ETags,
 * so the refusal is encoded and cached like any other error.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError } from '../errors.js';
import type { Db } from '../patterns/db.js';
import { assertSessionLive } from '../patterns/session-check.js';
import { toErrorResponse } from './errors.js';

/** Headers of the refused answer that must not describe the error instead. */
const ANSWER_HEADERS = ['location', 'etag', 'last-modified', 'cache-control', 'content-disposition'];

export function sessionCheckHook(db: Db) {
  // Synchronous on the common path (no session to check, or already checked): no promise per answer.
  return function checkSession(request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (error: Error | null, payload?: unknown) => void): void {
    const check = request.sessionCheck;
    // Not a signed-in request, refused before its handler (no token, bad input), or already checked.
    // An error answered from the request alone (a malformed id), before any read, shows nothing stored;
    // neither does a server-side failure (503 while the engine is away: a check would fail the same way).
    if (check === undefined || check.checked || reply.statusCode === 401 || reply.statusCode >= 500 || (reply.statusCode >= 400 && check.touched !== true)) {
      done(null, payload);
      return;
    }
    check.checked = true;
    assertSessionLive(db, request.acting).then(
      () => done(null, payload),
      (error: unknown) => {
        if (!isDomainError(error)) {
          done(error instanceof Error ? error : new Error(String(error)));
          return;
        }
        // The answer is replaced here, not thrown: it may already be an error answer, past the error handler.
        if (payload !== null && typeof payload === 'object' && 'destroy' in payload && typeof payload.destroy === 'function') (payload as { destroy(): void }).destroy();
        for (const header of ANSWER_HEADERS) reply.removeHeader(header);
        const { status, body } = toErrorResponse(error);
        void reply.code(status).header('content-type', 'application/json; charset=utf-8');
        done(null, JSON.stringify(body));
      },
    );
  };
}
