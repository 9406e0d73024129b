/**
 * The `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header) for POSTs
 * that create something. A route opts in with `config: { idempotent: ... }`; this plugin does
 * the rest for every such route:
 *  - no header: the route runs as before, at no extra DynamoDB request;
 *  - a new key: the route runs once; a 2xx answer is kept (same status, same body, same
 *    Location) until the key expires; any other answer releases the key, so a retry runs again,
 *    unless the route's effect applied all the same (`keyedEffect`): then a retry is told so
 *    (409 IDEMPOTENCY_ANSWER_NOT_KEPT) rather than run twice;
 *  - the same key and the same request again: the kept answer, with `Idempotent-Replayed: true`
 *    and no second effect; a different request (method, route, account, params, body; for
 *    multipart, the file's bytes and the fields): 422 IDEMPOTENCY_KEY_REUSED; while the first
 *    is still running: 409 IDEMPOTENCY_KEY_IN_FLIGHT.
 * Keys are scoped per account id (routes without a token: per account their body names) and kept in the table
 * (src/patterns/idempotency.ts), so they hold across instances and restarts. The table holds a
 * keyed hash of the client's key, a keyed hash of the request, and the answer encrypted with a
 * key derived from the client's key: reading the table reveals neither (sign-up answers carry
 * tokens).
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions as FastifyRoute, preHandlerAsyncHookHandler } from 'fastify';
import { Type } from 'typebox';
import {
  asKeyedEffect,
  claimIdempotencyKey,
  effectMarkOf,
  getUser,
  releaseIdempotencyKey,
  settleIdempotencyKey,
  type Claim,
  type Db,
  type EffectMark,
  type IdempotencyKeyRef,
} from '../patterns/index.js';
import { HttpError } from './errors.js';
import { withErrorCodes } from './schemas.js';

/**
 * `true`: the JSON body and params are the request; `'after-body'`: a multipart route, which
 * reads its body first and then calls `claimAfterBody` with what it read; `{ account }`: a
 * route without a token (sign-up, the emailed codes), scoped by the account its body names.
 */
export type IdempotentMode = true | 'after-body' | { account: (body: unknown) => string };

interface IdempotencyState {
  key: string;
  ref: IdempotencyKeyRef;
  claim?: Claim;
  /** What the route's effect marks (`keyedEffect`). */
  effect?: EffectMark;
  settled?: boolean;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    idempotent?: IdempotentMode;
  }
  interface FastifyRequest {
    idempotency: IdempotencyState | undefined;
  }
}

/** How long a key and its answer are kept: a day, the usual window of a phone's retries. */
export const IDEMPOTENCY_KEY_TTL_SECONDS = 86_400;
/** The largest answer kept (a photo's answer is ~2 KB); a larger one is not replayed (409). */
export const MAX_KEPT_ANSWER_BYTES = 64 * 1024;
/** Printable ASCII without the quote and backslash of a structured-field string; a UUID fits. */
const KEY_RULE = /^[\x21\x23-\x5b\x5d-\x7e]{8,128}$/;
const HEADER = 'idempotency-key';

export const idempotencyErrors = {
  invalid: () =>
    new HttpError(400, 'IDEMPOTENCY_KEY_INVALID', 'Idempotency-Key must be 8-128 printable ASCII characters (no quote, backslash or space), optionally in double quotes; a UUID fits.'),
  reused: () =>
    new HttpError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request (another route, account or body); use a new key for a new request.'),
  inFlight: () => new HttpError(409, 'IDEMPOTENCY_KEY_IN_FLIGHT', 'A request with this Idempotency-Key is still being processed; retry in a moment.'),
  notKept: (status: number) =>
    new HttpError(409, 'IDEMPOTENCY_ANSWER_NOT_KEPT', `The request with this Idempotency-Key succeeded (${status}), but its answer was too large to keep; read the result instead.`),
  lost: () =>
    new HttpError(409, 'IDEMPOTENCY_ANSWER_NOT_KEPT', 'The request with this Idempotency-Key succeeded, but its answer was lost before it could be kept; read the result instead.'),
};

/**
 * Runs `effect` as the keyed request's effect: the first transaction inside it also marks the
 * request's key applied (src/patterns/effect.ts), so an answer lost after the commit is resolved
 * in the request and a retry never applies it twice. For routes whose effect a second run would
 * repeat (a new comment, a new photo, a new slot); a route that finds its own earlier effect
 * (a completed upload answers its photo, a sign-up resumes, a report exists once) needs none.
 * Without a key (or before the claim), just `effect`.
 */
export function keyedEffect<T>(request: FastifyRequest, effect: () => Promise<T>): Promise<T> {
  return asKeyedEffect(request.idempotency?.effect, effect);
}

/** The codes an idempotent operation adds to its responses (the OpenAPI document lists them). */
export const IDEMPOTENCY_CODES = { 400: ['IDEMPOTENCY_KEY_INVALID'], 409: ['IDEMPOTENCY_KEY_IN_FLIGHT', 'IDEMPOTENCY_ANSWER_NOT_KEPT'], 422: ['IDEMPOTENCY_KEY_REUSED'] } as const;

export interface IdempotencyOptions {
  db: Db;
  secret: string;
  /** A pending claim older than this is taken over: its request died with its process. */
  leaseMs: number;
}

/** The header's value as the client meant it, or IDEMPOTENCY_KEY_INVALID. */
export function parseIdempotencyKey(value: string | string[]): string {
  if (typeof value !== 'string') throw idempotencyErrors.invalid();
  const key = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (!KEY_RULE.test(key)) throw idempotencyErrors.invalid();
  return key;
}

/** SHA-256 of a file's bytes (a multipart upload's part of the fingerprint). */
export async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('base64url');
}

const toArray = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export function idempotencyPlugin(app: FastifyInstance, options: IdempotencyOptions, done: () => void): void {
  const { db, secret, leaseMs } = options;
  const mac = (label: string, ...parts: string[]) => createHmac('sha256', secret).update([label, ...parts].join('\0'));

  const answerKey = (state: IdempotencyState) => mac('answer', state.ref.username, state.ref.scope, state.key).digest();
  const seal = (state: IdempotencyState, plain: string): string => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', answerKey(state), iv);
    const sealed = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [iv, sealed, cipher.getAuthTag()].map((b) => b.toString('base64url')).join('.');
  };
  const open = (state: IdempotencyState, stored: string): string => {
    const [iv = '', sealed = '', tag = ''] = stored.split('.');
    const decipher = createDecipheriv('aes-256-gcm', answerKey(state), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
  };

  /** Claims the key for this request, or answers: the kept answer, 409 or 422. True when answered. */
  async function claim(request: FastifyRequest, reply: FastifyReply, state: IdempotencyState, parts: unknown[]): Promise<boolean> {
    const fingerprint = mac('request', JSON.stringify([request.method, request.routeOptions.url, state.ref.username, state.ref.scope, request.params, ...parts])).digest('base64url');
    const now = Date.now();
    const attempt: Claim = { ref: state.ref, fingerprint, claimId: randomUUID(), expiresAt: Math.ceil(now / 1000) + IDEMPOTENCY_KEY_TTL_SECONDS, leaseUntil: now + leaseMs };
    const held = await claimIdempotencyKey(db, attempt, now);
    if (held === undefined) {
      state.claim = attempt;
      state.effect = effectMarkOf(attempt);
      return false;
    }
    if (held.fingerprint !== fingerprint) throw idempotencyErrors.reused();
    // Applied, within its lease: the first attempt is still writing its answer down.
    if (held.state === 'pending' || (held.state === 'applied' && (held.leaseUntil ?? 0) > now)) throw idempotencyErrors.inFlight();
    // An ended session gets no kept answer either (one GetItem, on replays only).
    if (typeof request.routeOptions.config.idempotent !== 'object') await getUser(db, request.username);
    if (held.state === 'applied') throw idempotencyErrors.lost();
    if (held.answer === undefined) throw idempotencyErrors.notKept(held.status);
    const kept = JSON.parse(open(state, held.answer)) as { body: unknown; location?: string };
    if (kept.location !== undefined) void reply.header('location', kept.location);
    await reply.status(held.status).header('idempotent-replayed', 'true').send(kept.body);
    return true;
  }

  const begin: preHandlerAsyncHookHandler = async (request, reply) => {
    const header = request.headers[HEADER];
    if (header === undefined) return;
    const key = parseIdempotencyKey(header);
    const mode = request.routeOptions.config.idempotent;
    const ref: IdempotencyKeyRef =
      typeof mode === 'object'
        ? { username: mode.account(request.body), scope: 'P', digest: '' }
        : { username: request.username, scope: request.acting.accountId === undefined ? 'N' : `A${request.acting.accountId}`, digest: '' };
    ref.digest = mac('key', key).digest('base64url');
    const state: IdempotencyState = { key, ref };
    request.idempotency = state;
    if (mode === 'after-body') return;
    if (await claim(request, reply, state, [request.body])) return reply;
  };

  async function settle(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<void> {
    const state = request.idempotency;
    if (state?.claim === undefined || state.settled) return;
    state.settled = true;
    const status = reply.statusCode;
    try {
      if (status < 200 || status >= 300 || payload === undefined) {
        await releaseIdempotencyKey(db, state.claim);
        return;
      }
      const location = reply.getHeader('location');
      const plain = JSON.stringify({ body: payload, ...(typeof location === 'string' ? { location } : {}) });
      const answer = Buffer.byteLength(plain) <= MAX_KEPT_ANSWER_BYTES ? seal(state, plain) : undefined;
      if (!(await settleIdempotencyKey(db, state.claim, { status, answer }))) request.log.warn('idempotency key taken over before its answer was kept');
    } catch (error) {
      // The answer still goes out; the key stays pending until its lease ends.
      request.log.warn({ err: error }, 'idempotency key not settled');
    }
  }

  app.decorateRequest('idempotency', undefined);
  app.addHook('onRoute', (route: FastifyRoute) => {
    const mode = route.config?.idempotent;
    if (mode === undefined) return;
    const schema = (route.schema ??= {}) as { headers?: unknown; response?: Record<string, unknown> };
    schema.headers = Type.Object({
      [HEADER]: Type.Optional(
        Type.String({
          description:
            'Makes a retry safe: the same key with the same request answers the first answer again (no second effect) for ' +
            `${IDEMPOTENCY_KEY_TTL_SECONDS / 3600} h. 8-128 printable ASCII characters, e.g. a UUID; one new key per new request.`,
        }),
      ),
    });
    schema.response = withErrorCodes(schema.response ?? {}, IDEMPOTENCY_CODES);
    route.preHandler = [...toArray(route.preHandler), begin];
    route.preSerialization = [...toArray(route.preSerialization), async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => (await settle(request, reply, payload), payload)];
    // An empty answer (204) never reaches preSerialization: kept here, before it is sent.
    route.onSend = [
      ...toArray(route.onSend),
      async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => (await settle(request, reply, payload === null || payload === '' ? null : undefined), payload),
    ];
    // Answered without either hook (a connection closed mid-way): the key is released.
    route.onResponse = [...toArray(route.onResponse), async (request: FastifyRequest, reply: FastifyReply) => settle(request, reply, undefined)];
  });
  app.decorate('idempotencyClaim', (request: FastifyRequest, reply: FastifyReply, parts: unknown[]) => {
    const state = request.idempotency;
    return state === undefined ? Promise.resolve(false) : claim(request, reply, state, parts);
  });
  done();
}
(idempotencyPlugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

declare module 'fastify' {
  interface FastifyInstance {
    /** For `'after-body'` routes: claims the key with what the handler read; true when it answered (replay). */
    idempotencyClaim(request: FastifyRequest, reply: FastifyReply, parts: unknown[]): Promise<boolean>;
  }
}

/**
 * What identifies this keyed request for a route that must recognise its own earlier write
 * (sign-up: patterns/accounts/sign-up-resume.ts): the keyed hashes of its key and of its content,
 * and how long its key is kept. Undefined without a key, or before the key is claimed.
 */
export function keyedAttempt(request: FastifyRequest): { id: string; keptSeconds: number } | undefined {
  const state = request.idempotency;
  if (state?.claim === undefined) return undefined;
  return { id: `${state.ref.digest}.${state.claim.fingerprint}`, keptSeconds: IDEMPOTENCY_KEY_TTL_SECONDS };
}

/** A multipart route's claim, once it read the form: true when the kept answer was sent instead. */
export function claimAfterBody(request: FastifyRequest, reply: FastifyReply, parts: unknown[]): Promise<boolean> {
  return request.server.idempotencyClaim(request, reply, parts);
}
