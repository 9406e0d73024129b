/**
 * The signed-in user's live events: GET /v1/me/events (Server-Sent Events) and the single-use
 * ticket a browser's EventSource opens it with (it cannot send an Authorization header, and an
 * access token in a URL would end up in logs and history).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { derivedDb, putStreamTicket, takeStreamTicket } from '../../derived/store/index.js';
import { ensureActingLive } from '../../patterns/session-check.js';
import { DomainError, errors } from '../../errors.js';
import type { ActingSession } from '../../patterns/acting.js';
import { assertSessionLive } from '../../patterns/session-check.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { EventHub, type EventConnection } from '../events/hub.js';
import { decodeEventId, positionsAt, type Positions } from '../events/replay.js';
import { canonicalTimestamp } from '../../schema/timestamps.js';
import { SseStream } from '../events/sse.js';
import { requestOrigin } from '../media.js';
import { errorsFor } from '../schemas.js';
import { activityItemView } from './activity.js';

const STREAM_DESCRIPTION = `Server-Sent Events, one stream per client. Events:
- \`activity\` (with an \`id\`): a new item of your activity, as GET /v1/me/activity lists it;
- \`unread\`: \`{ count }\`, your unread activity (after each batch of items, and when you mark it read anywhere);
- \`post\` (with an \`id\`): \`{ author, photoId }\`, someone you follow posted (show "new posts");
- \`notice\` (with an \`id\`): \`{ type: "takedown", photoId, commentId? }\`, a moderator took one of your photos (or comments) down;
- \`reset\` (with an \`id\`): \`{ unreadCount, newPosts }\`, more was missed than a reconnect replays (EVENTS_CATCH_UP_MAX, 200 by default): reload the activity list and the notices, and the feed (\`newPosts\`: it has posts you were not told of);
- \`end\`: \`{ reason }\` (idle, lifetime, shutdown, session) just before the server closes the stream.
Comment lines are heartbeats. Reconnect with \`Last-Event-ID\` (or \`lastEventId\`) to get every missed activity item, post and notice, in order, once, then live events. Ids are opaque and sealed for your stream: an altered or foreign one (another user's, a list cursor) is 400 INVALID_LAST_EVENT_ID; reconnect without it.
Phones send the Authorization header; browsers use \`?ticket=\` from POST /v1/me/events/ticket.`;

const ticketDigest = (ticket: string): string => createHash('sha256').update(ticket).digest('base64url');
const invalidTicket = () => new DomainError('unauthorized', 'INVALID_STREAM_TICKET', 'The stream ticket is unknown, used or expired; ask for a new one.');

/** POST /v1/me/events/ticket, in the signed-in scope. */
export const eventTicketRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config } = ctx;
  app.post(
    '/me/events/ticket',
    {
      config: perMinute(config.http.rateLimit.writesPerMinute),
      schema: {
        operationId: 'createEventStreamTicket',
        tags: ['activity'],
        summary: 'A single-use ticket that opens your event stream from a browser (GET /v1/me/events?ticket=)',
        description: `Valid for ${Math.round(config.events.ticketTtlMs / 1000)} s and one use; it opens the stream as this session. Keeps the access token out of URLs.`,
        security: BEARER,
        body: Type.Object({}, { additionalProperties: false, title: 'EmptyRequest', description: 'Send {}' }),
        response: {
          201: Type.Object({ ticket: Type.String(), expiresIn: Type.Integer({ description: 'Seconds' }) }, { title: 'EventStreamTicket' }),
          ...errorsFor({ 401: [], 429: [], 503: [] }),
        },
      },
    },
    async (request, reply) => {
      const ticket = randomBytes(32).toString('base64url');
      const { username, accountId, sessionId, issuedAt } = request.acting;
      // A write to the derived table carries no acting condition: the session is checked first.
      await ensureActingLive(db);
      await putStreamTicket(derivedDb(db), {
        digest: ticketDigest(ticket),
        username,
        ...(accountId === undefined ? {} : { accountId }),
        ...(sessionId === undefined ? {} : { sessionId }),
        issuedAt,
        validUntil: Date.now() + config.events.ticketTtlMs,
      });
      return reply.status(201).send({ ticket, expiresIn: Math.ceil(config.events.ticketTtlMs / 1000) });
    },
  );
  done();
};

/** GET /v1/me/events: authenticates itself (a bearer token or a ticket), so it sits outside the signed-in scope. */
export const eventStreamRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config, tokens, media } = ctx;
  const hub = new EventHub({ db, derived: derivedDb(db), config: config.events, logger: ctx.logger });
  app.addHook('preClose', (finish) => {
    hub.close();
    finish();
  });

  async function sessionOf(request: FastifyRequest, ticket: string | undefined): Promise<ActingSession> {
    const header = request.headers.authorization;
    if (header !== undefined) {
      const [scheme, token, extra] = header.split(' ');
      if (scheme?.toLowerCase() !== 'bearer' || !token || extra !== undefined || token.length > 4096) {
        throw errors.unauthorized('Send the access token as "Authorization: Bearer <token>".');
      }
      return tokens.verifySession(token);
    }
    if (ticket === undefined) throw errors.unauthorized('Send "Authorization: Bearer <token>", or ?ticket= from POST /v1/me/events/ticket.');
    const found = await takeStreamTicket(derivedDb(db), ticketDigest(ticket));
    if (!found || found.validUntil < Date.now()) throw invalidTicket();
    return { username: found.username, accountId: found.accountId, sessionId: found.sessionId, issuedAt: found.issuedAt };
  }

  app.get(
    '/me/events',
    {
      schema: {
        operationId: 'getEvents',
        tags: ['activity'],
        summary: 'Your live events (Server-Sent Events): activity, unread count, new posts, notices; resumable with Last-Event-ID',
        description: STREAM_DESCRIPTION,
        security: [...BEARER, { streamTicket: [] }],
        headers: Type.Object({ 'last-event-id': Type.Optional(Type.String({ maxLength: 2048 })) }),
        querystring: Type.Object({
          ticket: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'From POST /v1/me/events/ticket (browsers)' })),
          lastEventId: Type.Optional(Type.String({ maxLength: 2048, description: 'As the Last-Event-ID header, for clients that cannot set it' })),
        }),
        response: {
          // The stream is text/event-stream; every error answer is JSON like any other route's.
          200: { description: 'The event stream', content: { 'text/event-stream': { schema: Type.String() } } },
          ...errorsFor({ 400: ['INVALID_LAST_EVENT_ID'], 401: ['INVALID_STREAM_TICKET'], 429: ['EVENT_STREAMS_PER_USER', 'EVENT_STREAMS_BUSY'], 503: ['SHUTTING_DOWN'] }),
        },
      },
    },
    async (request, reply) => {
      const session = await sessionOf(request, request.query.ticket);
      const user = session.username;
      const lastEventId = request.headers['last-event-id'] ?? request.query.lastEventId;
      const now = canonicalTimestamp();
      const resume = lastEventId !== undefined && lastEventId !== '';
      let positions: Positions = positionsAt(user, now);
      if (resume) {
        const named = decodeEventId(db.cursors, lastEventId, user);
        if (named === undefined) throw new DomainError('invalid', 'INVALID_LAST_EVENT_ID', 'Last-Event-ID is not an id this stream sent you; reconnect without it.');
        positions = named;
      }
      await assertSessionLive(db, session);
      // HEAD answers GET's status and headers and ends: a stream written after a HEAD's headers
      // would land on a connection the client has already reused for its next request.
      if (request.method === 'HEAD') return reply.code(200).header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-store').send('');
      // After the last await: nothing opens between this count and the stream's registration.
      hub.admit(user);

      const tokenLeft = session.issuedAt + config.http.accessTokenTtlSeconds * 1000 - Date.now();
      const urls = media.urls.forViewer(requestOrigin(request), user);
      reply.hijack();
      const headers = Object.fromEntries(Object.entries(reply.getHeaders()).filter((entry): entry is [string, string | number | string[]] => entry[1] !== undefined));
      reply.raw.writeHead(200, {
        ...headers,
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      const connection: EventConnection = {
        user,
        session,
        positions,
        view: (item) => activityItemView(item, urls),
        stream: new SseStream(
          reply.raw,
          { heartbeatMs: config.events.heartbeatMs, maxBufferedBytes: config.events.maxBufferedBytes, idleMs: config.events.idleMs, lifetimeMs: Math.min(config.events.maxLifetimeMs, tokenLeft) },
          () => hub.remove(connection),
        ),
      };
      // A dropped connection retries after 2 s (the browser's default is 3).
      connection.stream.write('retry: 2000\n\n');
      hub.add(connection, resume);
    },
  );
  done();
};
