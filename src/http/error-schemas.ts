/**
 * The error responses of the HTTP API: one shape for every error, and per operation the codes
 * each status may carry (an enum generated clients can switch on), the common ones included.
 */
import { Type, type TSchema } from 'typebox';

export const FieldIssue = Type.Object({ path: Type.String(), message: Type.String() }, { title: 'FieldIssue' });

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code; each operation lists the codes it may answer' }),
      message: Type.String({ description: 'For people; may change between releases' }),
      details: Type.Optional(Type.Array(FieldIssue)),
    }),
  },
  { title: 'ErrorResponse', description: 'Every error has this shape.' },
);

/**
 * Codes any route may answer with a given status, whatever it does: transport and framework
 * failures (malformed bodies, expired tokens, rate limits, the engine down).
 */
const COMMON_CODES: Record<number, readonly string[]> = {
  400: ['VALIDATION_FAILED', 'BAD_REQUEST', 'INVALID_JSON'],
  401: ['UNAUTHORIZED', 'TOKEN_EXPIRED', 'SESSION_ENDED'],
  409: ['TRANSACTION_CONFLICT'],
  413: ['PAYLOAD_TOO_LARGE'],
  415: ['UNSUPPORTED_MEDIA_TYPE'],
  429: ['RATE_LIMITED', 'THROTTLED'],
  503: ['ENGINE_UNAVAILABLE', 'TABLE_NOT_FOUND'],
};

/**
 * Error responses of one operation: each status with the codes it may carry, as an enum, so
 * generated clients can switch on them. Pass `[]` for a status with only the common codes.
 */
export function errorsFor(codes: Partial<Record<number, readonly string[]>>): Record<number, TSchema> {
  // Any operation can fail on our side; the answer never says how.
  return Object.fromEntries(Object.entries({ ...codes, 500: ['INTERNAL'] }).map(([status, own]) => [status, errorSchema(Number(status), own ?? [])]));
}

/** The codes each error schema made here lists, so that a route option can add its own. */
const codesOf = new WeakMap<TSchema, readonly string[]>();

function errorSchema(status: number, own: readonly string[]): TSchema {
  const all = [...new Set([...own, ...(COMMON_CODES[status] ?? [])])].sort();
  const narrowed = Type.Object({ error: Type.Object({ code: Type.Unsafe<string>({ type: 'string', enum: all }) }) });
  const schema = Type.Intersect([ErrorResponse, narrowed]);
  codesOf.set(schema, all);
  return schema;
}

/** A route's response schemas with more codes per status (a route option's own refusals). */
export function withErrorCodes(response: Record<string, unknown>, extra: Partial<Record<number, readonly string[]>>): Record<string, unknown> {
  const merged = { ...response };
  for (const [status, codes] of Object.entries(extra)) {
    const existing = merged[status];
    const known = existing === undefined ? [] : codesOf.get(existing as TSchema);
    // A status the route answers with a schema of its own is left as the route wrote it.
    if (known !== undefined) merged[status] = errorSchema(Number(status), [...known, ...(codes ?? [])]);
  }
  return merged;
}
