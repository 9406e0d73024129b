/**
 * Errors the lean client throws carry the SDK's classes and names, so the mapping in
 * src/patterns/db.ts (and `instanceof TransactionCanceledException`) works unchanged.
 */
import * as dynamodb from '@aws-sdk/client-dynamodb';
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';

export interface ResponseMetadata {
  httpStatusCode?: number;
  requestId?: string;
  attempts: number;
  totalRetryDelay: number;
}

type ExceptionClass = new (options: Record<string, unknown>) => DynamoDBServiceException;

const classes = new Map<string, ExceptionClass | undefined>();

function classFor(name: string): ExceptionClass | undefined {
  if (!classes.has(name)) {
    const candidate = (dynamodb as Record<string, unknown>)[name];
    const known = typeof candidate === 'function' && candidate.prototype instanceof DynamoDBServiceException;
    classes.set(name, known ? (candidate as ExceptionClass) : undefined);
  }
  return classes.get(name);
}

/** `com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException` -> the class's name. */
function errorName(type: string): string {
  const colon = type.indexOf(':');
  const clean = colon >= 0 ? type.slice(0, colon) : type;
  return clean.slice(clean.lastIndexOf('#') + 1);
}

/** The SDK's exception for a non-2xx answer, members (CancellationReasons...) included. */
export function serviceError(status: number, headerType: string | undefined, text: string, $metadata: ResponseMetadata): DynamoDBServiceException {
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    // A proxy's HTML error page: the status says enough.
  }
  const type = headerType ?? (typeof body.__type === 'string' ? body.__type : typeof body.code === 'string' ? body.code : undefined);
  const name = type ? errorName(type) : status >= 500 ? 'InternalServerError' : 'UnknownError';
  const message = (typeof body.message === 'string' ? body.message : typeof body.Message === 'string' ? body.Message : undefined) ?? name;
  const { __type: _type, message: _message, ...members } = body;
  const Class = classFor(name);
  if (Class) return new Class({ ...members, message, $metadata });
  return new DynamoDBServiceException({ name, $fault: status >= 500 ? 'server' : 'client', message, $metadata });
}

const THROTTLING = new Set([
  'ThrottlingException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottledException',
  'Throttling',
  'ThrottledException',
]);
const TRANSIENT_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'InternalServerError']);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

/** AWS's standard retry rules: throttling, 5xx and transport failures; never a client error. */
export function retryKind(error: unknown): 'throttling' | 'transient' | undefined {
  if (!(error instanceof Error)) return undefined;
  if (THROTTLING.has(error.name)) return 'throttling';
  const status = (error as { $metadata?: ResponseMetadata }).$metadata?.httpStatusCode;
  if (status !== undefined && status >= 500) return 'transient';
  if (TRANSIENT_NAMES.has(error.name)) return 'transient';
  const code = (error as { code?: string }).code;
  return code !== undefined && TRANSIENT_CODES.has(code) ? 'transient' : undefined;
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Transport failures in the SDK's terms: a timeout is a `TimeoutError` (as the SDK's http
 * handler names it); a socket closed under us is ECONNRESET; system errors keep their code.
 */
export function transportError(error: unknown, timeoutMs: number, $metadata: ResponseMetadata): Error {
  const code = (error as { code?: string }).code;
  const cause = error instanceof Error ? error : new Error(String(error));
  let result: Error & { code?: string; $metadata?: ResponseMetadata };
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    result = timeoutError(timeoutMs, $metadata, cause);
  } else if (code === 'UND_ERR_SOCKET' || code === 'UND_ERR_CLOSED') {
    result = new Error(`The connection to DynamoDB closed: ${cause.message}`, { cause });
    result.code = 'ECONNRESET';
  } else {
    result = cause;
  }
  result.$metadata = $metadata;
  return result;
}

/** The call ran out of time (as the SDK's http handler names it): retried no further. */
export function timeoutError(timeoutMs: number, $metadata: ResponseMetadata, cause?: Error): Error & { code: string; $metadata: ResponseMetadata } {
  const error = new Error(`DynamoDB did not answer within ${timeoutMs} ms.`, cause ? { cause } : undefined) as Error & { code: string; $metadata: ResponseMetadata };
  error.name = 'TimeoutError';
  error.code = 'ETIMEDOUT';
  error.$metadata = $metadata;
  return error;
}
