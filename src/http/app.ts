/**
 * The HTTP API: one Fastify instance over the data layer. Everything the app needs is passed
 * in (database, configuration, blob store, logger), so tests and benchmarks can run it on
 * any port against any table.
 */
import { randomUUID } from 'node:crypto';
import compress from '@fastify/compress';
import cors from '@fastify/cors';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { actAsSession, authenticator, createTokenService } from './auth.js';
import { sessionCheckHook } from './session-check.js';
import type { AppDeps, RouteContext } from './context.js';
import { loginFailures } from './login-failures.js';
import { errorHandlerPlugin, httpErrors } from './errors.js';
import { apiHeaders, htmlHeaders, mediaOrigins, securityHeaders, servedOverHttps, standardHeaders } from './headers.js';
import { etagHook } from './etag.js';
import { registerTelemetry, RequestLogController } from './telemetry.js';
import { CheckFirstValidatorCompiler } from './validator.js';
import { cachedSerializerFactory } from './serializer.js';
import { createMediaContext } from './media.js';
import { openapiOptions } from './openapi.js';
import { webDirectory, webRoutes } from './web.js';
import { installVisibility, requireVisibility } from './visibility.js';
import { idempotencyPlugin } from './idempotency.js';
import type { ActingSession } from '../patterns/acting.js';
import { accountRoutes } from './routes/accounts.js';
import { avatarRoutes } from './routes/avatars.js';
import { mediaRoutes } from './routes/media.js';
import { photoRoutes } from './routes/photos.js';
import { reportRoutes } from './routes/reports.js';
import { safetyRoutes } from './routes/safety.js';
import { uploadRoutes, uploadTargetRoutes } from './routes/uploads.js';
import { partTargetRoutes, resumableRoutes } from './routes/resumable.js';
import { socialRoutes } from './routes/social.js';
import { commentRoutes } from './routes/comments.js';
import { feedRoutes } from './routes/feed.js';
import { exploreRoutes } from './routes/explore.js';
import { tagRoutes } from './routes/tags.js';
import { activityRoutes } from './routes/activity.js';
import { eventStreamRoutes, eventTicketRoutes } from './routes/events.js';
import { discoveryRoutes } from './routes/discovery.js';
import { systemRoutes } from './routes/system.js';
import { userRoutes } from './routes/users.js';
import { meRoutes } from './routes/me.js';
import { pushRoutes } from './routes/push.js';
import { createMailer } from '../mail/index.js';
import { configureHashing } from '../patterns/index.js';

export type { AppDeps } from './context.js';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** A client's X-Request-Id when it is a sane token (so logs can be correlated), else a new one. */
function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * TRUST_PROXY as proxy-addr understands it: `n` hops means the socket peer and the n-1
 * entries nearest to it are proxies, so the client is the entry just before them and
 * anything further left (what the client wrote itself) is ignored.
 */
function trustedProxies(trust: false | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const { config } = deps;
  if (!config.http.jwtSecret) throw new Error('buildApp needs config.http.jwtSecret (JWT_SECRET).');
  configureHashing({ concurrency: config.accounts.hashConcurrency, queue: config.accounts.hashQueue, cost: config.accounts.hashCost });
  const ctx: RouteContext = {
    ...deps,
    tokens: createTokenService(config.http.jwtSecret, config.http.accessTokenTtlSeconds),
    mailer: deps.mailer ?? createMailer(config.mail, (message, file) => deps.logger?.info({ to: message.to, subject: message.subject, file }, 'mail in the outbox')),
    media: createMediaContext(config, config.http.jwtSecret, deps.mediaClock),
    failures: loginFailures(config.accounts.loginFailuresPerMinute),
  };

  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: false }),
    bodyLimit: config.http.bodyLimitBytes,
    // A reply's id names its photo, itself and its parent (up to 240 characters, COMMENT_ID_PATTERN): past the default 100, its routes answered 400.
    routerOptions: { maxParamLength: 256 },
    trustProxy: trustedProxies(config.http.trustProxy),
    // Server-side bounds: a client that stalls mid-headers or mid-body is disconnected.
    requestTimeout: config.http.timeouts.requestMs,
    connectionTimeout: config.http.timeouts.idleMs,
    keepAliveTimeout: config.http.timeouts.keepAliveMs,
    http: {
      headersTimeout: config.http.timeouts.headersMs,
      // Node checks the header and request bounds on this tick (30 s by default).
      connectionsCheckingInterval: Math.min(1_000, config.http.timeouts.headersMs),
    },
    genReqId: requestId,
    // Response serializers compiled once per process, not per app (src/http/serializer.ts).
    schemaController: { compilersFactory: { buildSerializer: cachedSerializerFactory } },
    requestIdHeader: false,
    // One line per request, at completion, instead of two.
    logController: new RequestLogController(),
    // Finish in-flight requests on close, but do not wait on idle keep-alive sockets.
    forceCloseConnections: 'idle',
    // Errors raised before routing (a malformed URL encoding, say) bypass the error handler:
    // answer them in the same shape as every other error.
    frameworkErrors: (error, _request, reply) => {
      void (reply as FastifyReply).status(400).send({ error: { code: 'BAD_REQUEST', message: error.message || 'Malformed request.' } });
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // TypeBox's compiled checks (the same engine as the data layer's validators): compiled once
  // per route at start-up, and unknown fields are rejected rather than silently dropped.
  // The image process (started by the first upload) ends with the app.
  app.addHook('onClose', async () => ctx.media.images.close());
  app.setValidatorCompiler(CheckFirstValidatorCompiler);
  // JSON only (and multipart on the upload route): any other body is 415, not a confusing 400.
  app.removeContentTypeParser('text/plain');
  await app.register(errorHandlerPlugin);
  const headers = securityHeaders(mediaOrigins(config), { https: servedOverHttps(config) });
  app.addHook('onRequest', standardHeaders(apiHeaders(headers)));
  // First of the onSend hooks: an ended session's answer is refused before it is compressed or tagged.
  app.addHook('onSend', sessionCheckHook(deps.db));
  // JSON pages of profiles compress well; small answers are not worth the CPU (threshold).
  await app.register(compress, { global: true, threshold: 1024, encodings: ['br', 'gzip'] });
  // Weak validators on successful reads: a client that revalidates with If-None-Match gets an
  // empty 304 when nothing changed (src/http/etag.ts).
  app.addHook('onSend', etagHook());
  // Synchronous: an async hook costs a promise and a microtask turn on every answer.
  app.addHook('onSend', (request, reply, payload, done) => {
    // Answers depend on who asks (Authorization): only the client itself may keep them, and
    // it must revalidate (cheap with the ETag) rather than trust a stale copy.
    if ((request.method === 'GET' || request.method === 'HEAD') && !reply.hasHeader('cache-control')) void reply.header('cache-control', 'private, no-cache');
    done(null, payload);
  });
  if (config.http.corsOrigins.length > 0) {
    const any = config.http.corsOrigins.includes('*');
    await app.register(cors, {
      origin: any ? true : config.http.corsOrigins,
      methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'idempotency-key'],
      exposedHeaders: ['x-request-id', 'location', 'retry-after', 'idempotent-replayed'],
      maxAge: 600,
    });
  }
  // Only routes that opt in (log in, sign up, writes) are limited: reads stay cheap.
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => httpErrors.rateLimited(context.after),
  });

  // Before every route and the OpenAPI collector: routes that opt in get the header documented.
  // The lease outlasts any request the server lets run (its timeout, plus the work after the body).
  await app.register(idempotencyPlugin, { db: deps.db, secret: config.http.jwtSecret, leaseMs: 2 * config.http.timeouts.requestMs + 60_000 });
  await app.register(swagger, openapiOptions);
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true } }, (_request, reply) => reply.send(app.swagger()));
  // Before every API route, so that each one is measured.
  registerTelemetry(app, { db: deps.db, metrics: config.metricsEnabled, worker: deps.worker });

  // Before every route: one naming a user or a photo without a visibility declaration stops the start.
  requireVisibility(app);
  await app.register(systemRoutes, { ctx });
  const web = webDirectory(config.http.webDir);
  if (web) {
    await app.register(async (scope) => {
      scope.addHook('onRequest', htmlHeaders(headers));
      await webRoutes(scope, web);
    });
  }
  await app.register(
    async (v1) => {
      await v1.register(accountRoutes, { ctx });
      // Signed URLs carry their own permission: an <img> tag sends no Authorization header.
      await v1.register(mediaRoutes, { ctx });
      await v1.register(uploadTargetRoutes, { ctx });
      await v1.register(partTargetRoutes, { ctx });
      // A bearer token or a single-use ticket (browsers' EventSource sends no headers): it authenticates itself.
      await v1.register(eventStreamRoutes, { ctx });
      // Everything else needs a signed-in user.
      await v1.register(async (secured) => {
        secured.decorateRequest('username', '');
        secured.decorateRequest('sessionId', undefined);
        secured.decorateRequest('acting', undefined as unknown as ActingSession);
        secured.decorateRequest('sessionCheck', undefined);
        secured.addHook('onRequest', authenticator(ctx.tokens));
        // Every pattern the request calls checks this session (src/patterns/acting.ts).
        secured.addHook('preHandler', actAsSession);
        // Blocks hide users on every read in this scope (src/http/visibility.ts).
        installVisibility(secured, ctx.db);
        await secured.register(userRoutes, { ctx });
        await secured.register(meRoutes, { ctx });
        await secured.register(pushRoutes, { ctx });
        await secured.register(photoRoutes, { ctx });
        await secured.register(uploadRoutes, { ctx });
        await secured.register(resumableRoutes, { ctx });
        await secured.register(avatarRoutes, { ctx });
        await secured.register(socialRoutes, { ctx });
        await secured.register(commentRoutes, { ctx });
        await secured.register(safetyRoutes, { ctx });
        await secured.register(reportRoutes, { ctx });
        await secured.register(feedRoutes, { ctx });
        await secured.register(exploreRoutes, { ctx });
        await secured.register(activityRoutes, { ctx });
        await secured.register(eventTicketRoutes, { ctx });
        await secured.register(discoveryRoutes, { ctx });
        await secured.register(tagRoutes, { ctx });
      });
    },
    { prefix: '/v1' },
  );

  await app.ready();
  return app;
}
