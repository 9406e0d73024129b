/**
 * Bulk load of a JSON-lines file of items (the lab's `items.json` format: one plain JSON
 * object per line, as a DocumentClient writes it) with BatchWriteItem.
 *
 * Every line either lands in the table or is reported with its line number: bad lines are
 * collected, UnprocessedItems are retried with backoff, and the count returned is the number
 * of distinct items written, which equals what a scan of a fresh table finds.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { backoff } from '../backoff.js';
import type { DocClient } from '../engine/doc-client.js';
import { retryKind } from '../engine/lean/errors.js';
import { BATCH_WRITE_SIZE, putBatch } from '../patterns/bulk.js';
import { CorruptItemError, type RawItem } from '../schema/entity.js';
import { Friendship, Photo, Reaction, User } from '../schema/entities/index.js';

export interface BadLine {
  line: number;
  error: string;
}

export interface LoadProgress {
  read: number;
  written: number;
}

export interface LoadOptions {
  /** BatchWriteItem requests in flight at once. */
  concurrency?: number;
  onProgress?: (progress: LoadProgress) => void;
  /** Stop after this many bad lines (the file is probably not what it should be). */
  maxBadLines?: number;
  /** Tries per batch (unprocessed items and throttled or transient failures alike), and their backoff. */
  retry?: { attempts?: number; baseMs?: number; capMs?: number };
}

export interface LoadResult {
  /** Lines holding an item. */
  read: number;
  /** Distinct items written (a key repeated later in the file overwrites, as sequential puts do). */
  written: number;
  badLines: BadLine[];
  /** BatchWriteItem requests sent, retries included. */
  requests: number;
}

const RETRY = { attempts: 10, baseMs: 50, capMs: 5_000 };

/** The lab's entities: a line that is one of their items must carry their attributes. */
const LAB_ENTITIES = [User, Photo, Reaction, Friendship] as const;

/** Why a parsed line cannot be loaded, or undefined when it can. */
export function checkItem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const item = value as RawItem;
  if (typeof item.PK !== 'string' || item.PK === '') return 'PK missing or not a string';
  if (typeof item.SK !== 'string' || item.SK === '') return 'SK missing or not a string';
  const entity = LAB_ENTITIES.find((e) => e.is(item));
  if (!entity) return undefined;
  try {
    entity.decode(item);
  } catch (error) {
    if (error instanceof CorruptItemError) return `not a valid ${entity.kind} item (the lab's attributes are required)`;
    throw error;
  }
  return undefined;
}

export async function loadItems(
  doc: DocClient,
  tableName: string,
  lines: AsyncIterable<string> | Iterable<string>,
  options: LoadOptions = {},
): Promise<LoadResult> {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const maxBad = options.maxBadLines ?? 1000;
  const result: LoadResult = { read: 0, written: 0, badLines: [], requests: 0 };
  const seen = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;

  const retry = { ...RETRY, ...options.retry };
  const writeBatch = async (items: RawItem[]): Promise<void> => {
    let pending = items;
    let lastError: unknown;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= retry.attempts) {
        const why = lastError instanceof Error ? `: ${lastError.name}: ${lastError.message}` : ' unprocessed';
        throw new Error(`BatchWriteItem left ${pending.length} items unwritten after ${retry.attempts} attempts${why}`, { cause: lastError });
      }
      if (attempt > 0) await backoff(attempt, retry.baseMs, retry.capMs);
      result.requests++;
      let unprocessed: RawItem[];
      try {
        unprocessed = await putBatch(doc, tableName, pending);
        lastError = undefined;
      } catch (error) {
        // A busy engine throttles or times out: puts are idempotent, so the batch is sent again.
        if (!retryKind(error)) throw error;
        lastError = error;
        continue;
      }
      result.written += pending.length - unprocessed.length;
      pending = unprocessed;
      options.onProgress?.({ read: result.read, written: result.written });
    }
  };

  const dispatch = async (items: RawItem[]): Promise<void> => {
    while (inFlight.size >= concurrency) await Promise.race(inFlight);
    if (failure) throw failure;
    const task = writeBatch(items)
      .catch((error: unknown) => {
        failure ??= error instanceof Error ? error : new Error(String(error));
      })
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  let batch: RawItem[] = [];
  let batchKeys = new Set<string>();
  let lineNo = 0;
  let written = 0;
  try {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (error) {
        result.badLines.push({ line: lineNo, error: `invalid JSON (${(error as Error).message})` });
        if (result.badLines.length >= maxBad) break;
        continue;
      }
      const problem = checkItem(value);
      if (problem) {
        result.badLines.push({ line: lineNo, error: problem });
        if (result.badLines.length >= maxBad) break;
        continue;
      }
      const item = value as RawItem & { PK: string; SK: string };
      const key = `${item.PK}\u0000${item.SK}`;
      result.read++;
      if (!seen.has(key)) {
        seen.add(key);
        written++;
      }
      // One BatchWriteItem may not name a key twice: flush first so the later line wins.
      if (batchKeys.has(key)) {
        await dispatch(batch);
        batch = [];
        batchKeys = new Set();
      }
      batch.push(item);
      batchKeys.add(key);
      if (batch.length === BATCH_WRITE_SIZE) {
        await dispatch(batch);
        batch = [];
        batchKeys = new Set();
      }
    }
  } catch (error) {
    // The input failed (a lost pipe, a bad read): let writes already sent settle, so that
    // what the table holds is well defined, then report the failure.
    await Promise.allSettled(inFlight);
    throw error;
  }
  if (batch.length > 0) await dispatch(batch);
  await Promise.all(inFlight);
  if (failure) throw failure;
  // Repeated keys were written more than once; report distinct items, what the table holds.
  result.written = written;
  return result;
}

/**
 * The lines of a stream. Lazy on purpose: readline starts reading as soon as it exists and
 * drops lines nobody is iterating yet, so it is created only when the loader starts to read.
 */
export async function* streamLines(input: Readable): AsyncGenerator<string> {
  yield* createInterface({ input, crlfDelay: Infinity });
}

/** The lines of a file, streamed: a 100k-item file never sits in memory whole. */
export async function* fileLines(path: string): AsyncGenerator<string> {
  yield* streamLines(createReadStream(path, { encoding: 'utf8' }));
}
