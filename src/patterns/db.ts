/**
 * The request machinery the access patterns share: the context they run in, calls named after
 * their pattern, SDK error mapping, transactions with conflict retries and chunked batch reads
 * (lists, a page at a time: paging.ts).
 */
import { randomUUID } from 'node:crypto';
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { backoff } from '../backoff.js';
import type { DocClient } from '../engine/doc-client.js';
import { asPattern } from '../engine/observe.js';
import { DomainError, errors } from '../errors.js';
import { keys as keyOf, type ItemKey } from '../schema/keys.js';
import { actingSession, assertActingLive, carriesActingCondition, markSessionChecked, markTouched } from './acting.js';
import { effectApplied, effectMarkItem, pendingEffectMark, type EffectMark } from './effect.js';
import type { RawItem } from '../schema/entity.js';
import type { CursorCodec } from './cursor.js';

export interface Db {
  /** The SDK's DocumentClient or the lean client: both take lib-dynamodb commands. */
  doc: DocClient;
  table: string;
  cursors: CursorCodec;
}

const UNAVAILABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const THROTTLING = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

/** Turns what the SDK throws into a domain error when the caller or the engine's state caused it. */
/** A single write's condition failed (ConditionalCheckFailedException): an answer, not a fault. */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

export function mapEngineError(error: unknown, table: string): unknown {
  if (error instanceof DomainError || !(error instanceof Error)) return error;
  const name = error.name;
  const code = (error as { code?: string }).code;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (name === 'ResourceNotFoundException') return errors.tableNotFound(table);
  if (name === 'ValidationException' && /specified index/i.test(error.message)) return errors.tableNotFound(table);
  if (THROTTLING.has(name)) return errors.throttled(error);
  if (
    (code !== undefined && UNAVAILABLE_CODES.has(code)) ||
    name === 'TimeoutError' ||
    name === 'RequestTimeout' ||
    name === 'InternalServerError' ||
    name === 'ServiceUnavailable' ||
    (status !== undefined && status >= 500)
  ) {
    return errors.engineUnavailable(error);
  }
  return error;
}

/** Errors of a write that may have applied all the same (its answer was lost): see `writeOutcomeUnknown`. */
const outcomeUnknown = new WeakSet<object>();

/**
 * Whether `error`, thrown by `call` or `transact`, leaves open whether the write applied (a
 * timeout or a dropped connection after the engine may have committed): whoever cleans up after
 * a failed write (files stored for it) must then leave things as they are.
 */
export function writeOutcomeUnknown(error: unknown): boolean {
  return typeof error === 'object' && error !== null && outcomeUnknown.has(error);
}

/** Which pattern's call failed, for the error log line (src/http/errors.ts). */
const failedIn = new WeakMap<object, string>();

/** The access pattern whose DynamoDB call raised `error`, when one did. */
export function failedPattern(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? failedIn.get(error) : undefined;
}

/**
 * One DynamoDB call of the access pattern `name`, named where the pattern builds the request:
 * the name labels the call's metrics, request counts and error logs (src/engine/observe.ts).
 * Name it after the function that defines the pattern (docs/data-model.md lists them), never
 * after data: the metrics' label set stays the fixed set written in the code.
 */
export async function call<T>(db: Db, name: string, request: () => Promise<T>): Promise<T> {
  markTouched();
  try {
    return await asPattern(name, request);
  } catch (error) {
    throw failure(db, name, error);
  }
}

/** `error` as the caller sees it (mapEngineError), named after its pattern, and marked when the request may have applied. */
function failure(db: Db, name: string, error: unknown): unknown {
  const mapped = mapEngineError(error, db.table);
  if (typeof mapped !== 'object' || mapped === null) return mapped;
  failedIn.set(mapped, name);
  // No answer, or a 5xx: the engine may have applied the write before the answer failed. Every
  // 4xx (a failed condition, throttling, validation) says it did not.
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  if (error instanceof Error && !(error instanceof DomainError) && (status === undefined || status >= 500)) outcomeUnknown.add(mapped);
  return mapped;
}

/**
 * A conditional write whose failed condition is an answer, not an error: true when it applied,
 * false when its condition failed; any other error is thrown as `call` maps it.
 */
export async function conditional(db: Db, name: string, request: () => Promise<unknown>): Promise<boolean> {
  try {
    await call(db, name, request);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export { backoff } from '../backoff.js';

export const TRANSACTION_ATTEMPTS = 10;
/** DynamoDB's bound on the items of one TransactWriteItems. */
export const TRANSACTION_ITEM_LIMIT = 100;
/** One item of a TransactWriteItems. */
export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** One consistent GetItem of a keyed effect's key: did this attempt's transaction apply? False when that read fails too. */
async function markSays(db: Db, mark: EffectMark): Promise<boolean> {
  try {
    const read = await call(db, 'effectApplied', () => db.doc.send(new GetCommand({ TableName: db.table, Key: mark.key, ConsistentRead: true })));
    return effectApplied(read.Item, mark);
  } catch {
    return false;
  }
}

/** What a failed condition means: a domain error to throw, or RETRY to let the caller re-plan. */
export const RETRY = Symbol('retry');
export type Explain = (failed: (index: number) => boolean, reasons: CancellationReason[]) => DomainError | typeof RETRY;

/**
 * Runs a TransactWriteItems and returns true once it applied. A cancellation caused by a
 * failed condition is handed to `explain`: conditions are answers, never retried here; when
 * `explain` says RETRY, this returns false and the caller decides what to try next.
 * Cancellations caused only by concurrent transactions on the same items are retried with
 * backoff; each attempt has its own idempotency token, shared by the SDK's own retries.
 * Inside a keyed request's effect (effect.ts) the transaction also marks the request's key, and
 * an error that leaves the outcome open is settled by reading that mark.
 */
export async function transact(
  db: Db,
  name: string,
  items: TransactItem[],
  explain: Explain,
): Promise<boolean> {
  // The items whose condition names the acting session: once one holds, the request's session is checked.
  const acting = items.flatMap((item, index) => (carriesActingCondition(item.Update ?? item.ConditionCheck ?? item.Put ?? item.Delete) ? [index] : []));
  // A keyed request's effect also marks its key applied, as the last item (effect.ts), when
  // there is room for one item more; without the mark the key works as it did before marks.
  const mark = items.length < TRANSACTION_ITEM_LIMIT ? pendingEffectMark() : undefined;
  const sent = mark ? [...items, effectMarkItem(db.table, mark)] : items;
  const applied = (): true => {
    if (mark) mark.applied = true;
    if (acting.length > 0) markSessionChecked();
    return true;
  };
  markTouched();
  for (let attempt = 0; ; attempt++) {
    try {
      await asPattern(name, () => db.doc.send(new TransactWriteCommand({ TransactItems: sent, ClientRequestToken: randomUUID() })));
      return applied();
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) {
        // The answer failed, not necessarily the write: a keyed effect's mark tells which.
        if (mark && (await markSays(db, mark))) return applied();
        throw failure(db, name, error);
      }
      const reasons = error.CancellationReasons ?? [];
      const failed = (index: number) => reasons[index]?.Code === 'ConditionalCheckFailed';
      // Our claim on the key was taken over (this attempt outlived its lease): the other attempt runs the effect.
      if (mark && failed(items.length)) throw errors.idempotencyKeyTakenOver();
      // Another item's condition failed while the acting one held (every condition is evaluated).
      if (acting.some((index) => reasons[index]?.Code === 'None')) markSessionChecked();
      if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) {
        const outcome = explain(failed, reasons);
        if (outcome === RETRY) return false;
        throw outcome;
      }
      const contended = reasons.some((r) => r.Code === 'TransactionConflict');
      if (contended && attempt + 1 < TRANSACTION_ATTEMPTS) {
        await backoff(attempt);
        continue;
      }
      if (contended) throw errors.transactionConflict();
      if (reasons.some((r) => r.Code === 'ThrottlingError' || r.Code === 'ProvisionedThroughputExceeded')) throw errors.throttled(error);
      throw error;
    }
  }
}

const BATCH_GET_LIMIT = 100;
const BATCH_ATTEMPTS = 8;

/**
 * BatchGetItem in chunks of 100, retrying UnprocessedKeys with backoff. Order is not kept.
 * Inside a signed-in request, the acting user's own User item rides along whenever the last
 * chunk has room (no extra request), and an ended session or another account's token is
 * refused there (src/patterns/acting.ts); it is left out of the answer unless it was asked for.
 * `sessionCheck: false` for a batch on another table than the main one.
 */
export async function batchGet(db: Db, name: string, wanted: ItemKey[], options: { consistent?: boolean; sessionCheck?: boolean } = {}): Promise<RawItem[]> {
  // Only the main table holds User items: a read of another table (the derived one) carries no check.
  const acting = options.sessionCheck === false ? undefined : actingSession();
  const actingKey = acting === undefined ? undefined : keyOf.user(acting.username);
  const rides = actingKey !== undefined && wanted.length % BATCH_GET_LIMIT !== 0 && !wanted.some((k) => k.PK === actingKey.PK && k.SK === actingKey.SK);
  const keys = rides ? [...wanted, actingKey] : wanted;
  const found: RawItem[] = [];
  const chunks: ItemKey[][] = [];
  for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) chunks.push(keys.slice(i, i + BATCH_GET_LIMIT));
  await Promise.all(
    chunks.map(async (chunk) => {
      let pending: ItemKey[] = chunk;
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt >= BATCH_ATTEMPTS) throw errors.throttled();
        if (attempt > 0) await backoff(attempt, 50, 2_000);
        const result = await call(db, name, () => db.doc.send(new BatchGetCommand({ RequestItems: { [db.table]: { Keys: pending, ...(options.consistent ? { ConsistentRead: true } : {}) } } })));
        found.push(...((result.Responses?.[db.table] ?? []) as RawItem[]));
        pending = (result.UnprocessedKeys?.[db.table]?.Keys ?? []) as ItemKey[];
      }
    }),
  );
  if (!acting || !actingKey || !keys.some((k) => k.PK === actingKey.PK && k.SK === actingKey.SK)) return found;
  const isActing = (item: RawItem) => item.PK === actingKey.PK && item.SK === actingKey.SK;
  assertActingLive(acting.username, found.find(isActing));
  return rides ? found.filter((item) => !isActing(item)) : found;
}
