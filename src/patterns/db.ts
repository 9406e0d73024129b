/**
 * The request machinery the access patterns share: the context they run in, SDK error
 * mapping, transactions with conflict retries, paged queries and chunked batch reads.
 */
import { randomUUID } from 'node:crypto';
import { TransactionCanceledException, type CancellationReason } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  QueryCommand,
  TransactWriteCommand,
  type QueryCommandInput,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { backoff } from '../backoff.js';
import type { DocClient } from '../engine/doc-client.js';
import { DomainError, errors } from '../errors.js';
import { keys as keyOf, type ItemKey } from '../schema/keys.js';
import { actingSession, assertActingLive, carriesActingCondition, markSessionChecked, markTouched } from './acting.js';
import type { RawItem } from '../schema/entity.js';
import type { CursorCodec, StartKey } from './cursor.js';

export interface Db {
  /** The SDK's DocumentClient or the lean client: both take lib-dynamodb commands. */
  doc: DocClient;
  table: string;
  cursors: CursorCodec;
}

export interface PageRequest {
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  /** Present only when more items exist: pass it back as `cursor` for the next page. */
  nextCursor?: string;
}

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export function pageSize(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw errors.validation(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}.`, [{ path: '/limit', message: `must be 1-${MAX_PAGE_SIZE}` }]);
  }
  return limit;
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

export async function call<T>(db: Db, request: () => Promise<T>): Promise<T> {
  markTouched();
  try {
    return await request();
  } catch (error) {
    throw mapEngineError(error, db.table);
  }
}

/**
 * A conditional write whose failed condition is an answer, not an error: true when it applied,
 * false when its condition failed; any other error is thrown as `call` maps it.
 */
export async function conditional(db: Db, request: () => Promise<unknown>): Promise<boolean> {
  try {
    await call(db, request);
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

export { backoff } from '../backoff.js';

export const TRANSACTION_ATTEMPTS = 10;

/** What a failed condition means: a domain error to throw, or RETRY to let the caller re-plan. */
export const RETRY = Symbol('retry');
export type Explain = (failed: (index: number) => boolean, reasons: CancellationReason[]) => DomainError | typeof RETRY;

/**
 * Runs a TransactWriteItems and returns true once it applied. A cancellation caused by a
 * failed condition is handed to `explain`: conditions are answers, never retried here; when
 * `explain` says RETRY, this returns false and the caller decides what to try next.
 * Cancellations caused only by concurrent transactions on the same items are retried with
 * backoff; each attempt has its own idempotency token, shared by the SDK's own retries.
 */
export async function transact(
  db: Db,
  items: NonNullable<TransactWriteCommandInput['TransactItems']>,
  explain: Explain,
): Promise<boolean> {
  // The items whose condition names the acting session: once one holds, the request's session is checked.
  const acting = items.flatMap((item, index) => (carriesActingCondition(item.Update ?? item.ConditionCheck ?? item.Put ?? item.Delete) ? [index] : []));
  markTouched();
  for (let attempt = 0; ; attempt++) {
    try {
      await db.doc.send(new TransactWriteCommand({ TransactItems: items, ClientRequestToken: randomUUID() }));
      if (acting.length > 0) markSessionChecked();
      return true;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw mapEngineError(error, db.table);
      const reasons = error.CancellationReasons ?? [];
      const failed = (index: number) => reasons[index]?.Code === 'ConditionalCheckFailed';
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

/**
 * One Query returning one page. It asks for `limit + 1` items so that `nextCursor` is issued
 * only when another item really exists (no empty last page), and builds the cursor from the
 * last returned item's keys, bound to `scope` so it cannot be replayed on another list.
 */
export async function queryPage<T>(
  db: Db,
  scope: string,
  input: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>,
  page: PageRequest,
  decode: (item: RawItem) => T,
  extra = 0,
): Promise<{ raw: RawItem[]; page: Page<T> }> {
  const limit = pageSize(page.limit);
  const startKey: StartKey | undefined = page.cursor === undefined ? undefined : db.cursors.decode(scope, page.cursor);
  const result = await call(db, () =>
    db.doc.send(new QueryCommand({ ...input, TableName: db.table, Limit: limit + extra + 1, ExclusiveStartKey: startKey })),
  );
  const all = (result.Items ?? []) as RawItem[];
  const raw = all.slice(0, limit + extra);
  // LastEvaluatedKey without the extra item means the engine's 1 MB page cut the read short.
  const hasMore = all.length > raw.length || result.LastEvaluatedKey !== undefined;
  const last = raw.at(-1);
  const nextCursor = hasMore && last ? db.cursors.encode(scope, startKeyOf(last)) : undefined;
  return { raw, page: { items: raw.map(decode), ...(nextCursor ? { nextCursor } : {}) } };
}

/**
 * Every page of a Query, in order, for work that must see a whole partition (fan-outs,
 * revocations, deletions): `onPage` runs before the next page is read, so memory holds one
 * page at a time.
 */
export async function forEachQueryPage(
  db: Db,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  onPage: (items: RawItem[]) => Promise<void> | void,
): Promise<void> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await call(db, () => db.doc.send(new QueryCommand({ ...input, TableName: db.table, ExclusiveStartKey: start })));
    const items = (page.Items ?? []) as RawItem[];
    if (items.length > 0) await onPage(items);
    start = page.LastEvaluatedKey;
  } while (start);
}

function startKeyOf(item: RawItem): StartKey {
  // The table's and the InvertedIndex's keys are the same two attributes, PK and SK.
  return { PK: String(item.PK), SK: String(item.SK) };
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
export async function batchGet(db: Db, wanted: ItemKey[], options: { consistent?: boolean; sessionCheck?: boolean } = {}): Promise<RawItem[]> {
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
        const result = await call(db, () => db.doc.send(new BatchGetCommand({ RequestItems: { [db.table]: { Keys: pending, ...(options.consistent ? { ConsistentRead: true } : {}) } } })));
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
