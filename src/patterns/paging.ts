/**
 * Lists, a page at a time: the page shape every list answers with, the one paginator of Query
 * and Scan (as aws-sdk-js-v3's paginators go), and a client's page of a Query with its cursor.
 */
import { QueryCommand, type QueryCommandInput, type ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import type { RawItem } from '../schema/entity.js';
import type { StartKey } from './cursor.js';
import { call, type Db } from './db.js';

export interface PageRequest {
  limit?: number | undefined;
  cursor?: string | undefined;
}

export interface Page<T> {
  items: T[];
  /** Present only when more items exist: pass it back as `cursor` for the next page. */
  nextCursor?: string;
}

/** A page of `items`, with `nextCursor` only when there is one (the shape every list answers). */
export function pageOf<T>(items: T[], nextCursor: string | undefined): Page<T> {
  return nextCursor === undefined ? { items } : { items, nextCursor };
}

/** The same page with each item mapped (decoded, enriched, turned into its API view); the cursor passes through. */
export function mapPage<T, U>(page: Page<T>, fn: (item: T) => U): Page<U> {
  return pageOf(page.items.map(fn), page.nextCursor);
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

/** One page as DynamoDB answers it: the items (none with `Select: 'COUNT'`), their count, where to go on. */
export interface DbPage {
  Items: RawItem[];
  Count: number;
  /** Absent on the last page: the contract of ExclusiveStartKey / LastEvaluatedKey. */
  LastEvaluatedKey?: Record<string, unknown> | undefined;
}

/** The two paged reads. Scan is the operator's only (see src/admin/scan.ts): the service names no Scan. */
export type PagedCommand = typeof QueryCommand | typeof ScanCommand;
type PagedInput<C extends PagedCommand> = Omit<C extends typeof QueryCommand ? QueryCommandInput : ScanCommandInput, 'TableName' | 'ExclusiveStartKey'>;

/**
 * Every page of a Query or a Scan, in order, as aws-sdk-js-v3's paginators go: each request
 * starts at the previous answer's LastEvaluatedKey (the first at `startKey`), and the pages end
 * when an answer has none. `Limit` in the input is the page size. Nothing is read ahead: the
 * next request is sent when the consumer asks for the next page, so memory holds one page,
 * and a consumer that stops (`break`, `return`, a throw) sends no further request. Empty pages
 * are yielded too (a filtered read, or a last page after exactly `Limit` items).
 *
 * The command is passed in, not named here, so that the service's code names only the
 * operations it sends (test/iam-policy.test.ts): Scan is named in src/admin/ alone.
 */
export async function* paginate<C extends PagedCommand>(
  db: Db,
  name: string,
  command: C,
  input: PagedInput<C>,
  startKey?: Record<string, unknown>,
): AsyncGenerator<DbPage, void, undefined> {
  // Query and Scan take and answer the same paging fields; one constructor type serves both.
  const Command = command as typeof QueryCommand;
  let start = startKey;
  do {
    const output = await call(db, name, () => db.doc.send(new Command({ ...(input as QueryCommandInput), TableName: db.table, ExclusiveStartKey: start })));
    start = output.LastEvaluatedKey;
    yield { Items: (output.Items ?? []) as RawItem[], Count: output.Count ?? 0, LastEvaluatedKey: start };
  } while (start);
}

/**
 * The key condition of a range (`ranges` in src/schema/keys.ts): `PK = :pk AND begins_with(SK, :prefix)`,
 * or the whole partition (`PK = :pk`) for a range without a prefix.
 */
export function inPrefix(range: { pk: string; prefix?: string | undefined }): Pick<QueryCommandInput, 'KeyConditionExpression' | 'ExpressionAttributeValues'> {
  if (range.prefix === undefined) return { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': range.pk } };
  return { KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)', ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.prefix } };
}

/**
 * One page of a list for a client: the first page of `paginate`, asked for `limit + 1` items
 * so that `nextCursor` is issued only when another item really exists (no empty last page),
 * with the cursor built from the last returned item's keys, bound to `scope` so it cannot be
 * replayed on another list.
 */
export async function queryPage<T>(
  db: Db,
  name: string,
  scope: string,
  input: Omit<QueryCommandInput, 'TableName' | 'Limit' | 'ExclusiveStartKey'>,
  page: PageRequest,
  decode: (item: RawItem) => T,
  extra = 0,
): Promise<{ raw: RawItem[]; page: Page<T> }> {
  const limit = pageSize(page.limit);
  const startKey: StartKey | undefined = page.cursor === undefined ? undefined : db.cursors.decode(scope, page.cursor);
  const first = await paginate(db, name, QueryCommand, { ...input, Limit: limit + extra + 1 }, startKey).next();
  const result = first.value ?? { Items: [], Count: 0 };
  const raw = result.Items.slice(0, limit + extra);
  // LastEvaluatedKey without the extra item means the engine's 1 MB page cut the read short.
  const hasMore = result.Items.length > raw.length || result.LastEvaluatedKey !== undefined;
  const last = raw.at(-1);
  const nextCursor = hasMore && last ? db.cursors.encode(scope, startKeyOf(last)) : undefined;
  return { raw, page: pageOf(raw.map(decode), nextCursor) };
}

function startKeyOf(item: RawItem): StartKey {
  // The table's and the InvertedIndex's keys are the same two attributes, PK and SK.
  return { PK: String(item.PK), SK: String(item.SK) };
}
