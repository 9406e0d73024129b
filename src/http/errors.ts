/**
 * The one place errors become HTTP responses: `{ error: { code, message, details? } }`.
 * Domain errors map by kind; Fastify's own client errors keep their status; anything else is
 * a 500 with a generic message, logged with its stack but never shown to the client.
 * Expected server-side failures (503 ENGINE_UNAVAILABLE...) are logged as one short line per
 * failure kind and second at most: an outage must not flood the log with stack traces.
 */
import { USERNAME_RULE } from '../schema/entities.js';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDomainError, RetryLaterError, type ErrorKind, type FieldIssue } from '../errors.js';
import { failedPattern } from '../patterns/db.js';

/** Transport-level failures (too large, wrong media type, rate limited) that the domain never sees. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const httpErrors = {
  tooLarge: (limit: number) => new HttpError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${limit} bytes.`),
  unsupportedMedia: (message: string) => new HttpError(415, 'UNSUPPORTED_MEDIA_TYPE', message),
  rateLimited: (after: string) => new HttpError(429, 'RATE_LIMITED', `Too many requests; retry in ${after}.`),
  badRequest: (code: string, message: string) => new HttpError(400, code, message),
  notFound: (code: string, message: string) => new HttpError(404, code, message),
  /** No route has this method and path: a client with a wrong base URL or path, told so in JSON. */
  routeNotFound: (method: string, url: string) => new HttpError(404, 'ROUTE_NOT_FOUND', `No route ${method} ${url.split('?')[0] ?? ''}.`),
};

const STATUS: Record<ErrorKind, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  throttled: 429,
  unavailable: 503,
  too_large: 413,
  unsupported_media: 415,
  unprocessable: 422,
  busy: 429,
};

interface Body {
  error: { code: string; message: string; details?: FieldIssue[] };
}

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: { additionalProperties?: unknown; missingProperty?: unknown; requiredProperties?: unknown };
}

/** Same detail format as the domain validators: one entry per field, unknown fields named. */
function validationDetails(issues: ValidationIssue[], context: string | undefined): FieldIssue[] {
  const prefix = context ? `${context}:` : '';
  return issues.flatMap((e): FieldIssue[] => {
    if (e.keyword === 'boolean') return [];
    const path = e.instancePath || '/';
    const extra = e.params?.additionalProperties;
    if (e.keyword === 'additionalProperties' && Array.isArray(extra)) {
      return extra.map((name) => ({ path: `${prefix}${e.instancePath ?? ''}/${String(name)}`, message: 'is not an allowed field' }));
    }
    // A username in a path or query says its rule in words, as sign-up does, not as a pattern.
    if (e.keyword === 'pattern' && /\/username$/.test(path)) return [{ path: prefix + path, message: USERNAME_RULE }];
    return [{ path: prefix + path, message: e.message ?? 'is invalid' }];
  });
}

const FASTIFY_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE'],
  FST_REQ_FILE_TOO_LARGE: [413, 'PAYLOAD_TOO_LARGE'],
  FST_FILES_LIMIT: [413, 'PAYLOAD_TOO_LARGE'],
  FST_PARTS_LIMIT: [413, 'PAYLOAD_TOO_LARGE'],
  FST_FIELDS_LIMIT: [413, 'PAYLOAD_TOO_LARGE'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_REQUEST'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'INVALID_JSON'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'INVALID_JSON'],
};

export function toErrorResponse(error: unknown): { status: number; body: Body; internal: boolean } {
  if (isDomainError(error)) {
    return {
      status: STATUS[error.kind] ?? 500,
      body: { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
      internal: false,
    };
  }
  if (error instanceof HttpError) return { status: error.statusCode, body: { error: { code: error.code, message: error.message } }, internal: false };
  const fe = error as Partial<FastifyError> & { validation?: ValidationIssue[]; validationContext?: string };
  if (Array.isArray(fe.validation)) {
    const details = validationDetails(fe.validation, fe.validationContext);
    const message = `Invalid request ${fe.validationContext ?? ''}: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`.replace(/ {2}/, ' ');
    return { status: 400, body: { error: { code: 'VALIDATION_FAILED', message, details } }, internal: false };
  }
  const known = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return { status: known[0], body: { error: { code: known[1], message: fe.message ?? 'Bad request.' } }, internal: false };
  // Other client errors raised by Fastify or its plugins carry their own safe message.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500 && fe.code?.startsWith('FST_')) {
    return { status: fe.statusCode, body: { error: { code: 'BAD_REQUEST', message: fe.message ?? 'Bad request.' } }, internal: false };
  }
  return { status: 500, body: { error: { code: 'INTERNAL', message: 'Something went wrong on our side; the error has been logged.' } }, internal: true };
}

/** One line: the failure's name and message, and its cause's (the engine's own error). */
function summary(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    parts.push(`${e.name}${typeof code === 'string' ? ` ${code}` : ''}: ${e.message.split('\n')[0]}`);
  }
  return parts.join(' <- ');
}

/**
 * At most one log line per code per interval; the next line says how many were left out.
 * The map holds one entry per error code, a small fixed set.
 */
export function logLimiter(intervalMs = 1_000, now: () => number = Date.now) {
  const state = new Map<string, { until: number; suppressed: number }>();
  return (code: string): { log: boolean; suppressed: number } => {
    const t = now();
    const entry = state.get(code);
    if (entry && t < entry.until) {
      entry.suppressed++;
      return { log: false, suppressed: entry.suppressed };
    }
    const suppressed = entry?.suppressed ?? 0;
    state.set(code, { until: t + intervalMs, suppressed: 0 });
    return { log: true, suppressed };
  };
}

/** Registered once on the root instance (skip-override: it applies to every route). */
export function errorHandlerPlugin(app: FastifyInstance, _options: unknown, done: () => void): void {
  const limit = logLimiter();
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const { status, body, internal } = toErrorResponse(error);
    if (internal) request.log.error({ err: error }, 'unhandled error');
    else if (status >= 500) {
      const { log, suppressed } = limit(body.error.code);
      // The access pattern whose call failed (src/patterns/db.ts `call`), when a DynamoDB call did.
      const pattern = failedPattern(error);
      if (log) request.log.warn({ code: body.error.code, cause: summary(error), ...(pattern ? { pattern } : {}), ...(suppressed ? { suppressed } : {}) }, body.error.code);
    }
    if (error instanceof RetryLaterError) void reply.header('retry-after', String(error.retryAfterSeconds));
    // A body cut off mid-way (408) is left unread: the connection cannot carry another request.
    if (status === 408) void reply.header('connection', 'close');
    if (status === 503 || status === 429) {
      if (!reply.hasHeader('retry-after')) void reply.header('retry-after', '1');
    }
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request) => {
    throw httpErrors.routeNotFound(request.method, request.url);
  });
  done();
}
(errorHandlerPlugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;
