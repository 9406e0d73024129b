/**
 * Writes to the derived table. Every derived item has a deterministic key computed from the
 * source item, and every write is a plain Put or Delete of that key: replaying a stream record
 * rewrites the same item (or deletes an absent one), so effects are never duplicated.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../../errors.js';
import { backoff, batchGet, call, type Db } from '../../patterns/db.js';
import { keyString, type ItemKey } from '../../schema/keys.js';
import type { RawItem } from '../../schema/entity.js';
import { derivedTableName } from '../../schema/table.js';

/** The same connection, pointed at the derived table (for queryPage, call and friends). */
export function derivedDb(db: Db): Db {
  return { ...db, table: derivedTableName(db.table) };
}

export type DerivedWrite = { put: RawItem } | { delete: ItemKey };

/** Items per BatchWriteItem (DynamoDB's limit). */
export const BATCH_WRITE_LIMIT = 25;
const BATCH_ATTEMPTS = 10;
/** BatchWriteItem requests in flight for one large fan-out. */
export const WRITE_CONCURRENCY = 8;

/** One item of a BatchWriteItem request, as the request carries it. */
export type WriteRequest = { PutRequest: { Item: RawItem } } | { DeleteRequest: { Key: ItemKey } };

/** A stream of writes: BatchWriteItem in chunks of 25, `concurrency` in flight without a pause between pages. */
export interface BatchWriter {
  /** Queues the writes; resolves once few enough chunks wait (the caller's next page overlaps the writes). */
  add(writes: readonly DerivedWrite[]): Promise<void>;
  /** Resolves once every queued write is written, with the requests made; rejects with the first failure. */
  done(): Promise<number>;
}

/**
 * Work that a background writer (a detached fan-out) steps back for: while `yielding()`, it
 * keeps one BatchWriteItem in flight instead of `concurrency`, so the engine serves the
 * other work's requests behind one of its writes, not behind all of them. Never none: a
 * fan-out still ends under a steady flow of other work.
 */
export interface WritePriority {
  yielding(): boolean;
  /** Resolves once `yielding()` is false. */
  settled(): Promise<void>;
}

/**
 * Writes fed page by page (a fan-out's follower pages) with `concurrency` BatchWriteItem in
 * flight all along: the next page is read while the last one is written, and no round waits
 * for its slowest request; a short page's rest joins the next page's first chunk. Unprocessed
 * items are retried with backoff. A key may appear once per chunk only: callers give distinct
 * keys (batchWrite removes duplicates first). With `priority`, all senders but one pause
 * (between requests) while it yields.
 */
export function batchWriter(db: Db, concurrency = WRITE_CONCURRENCY, priority?: WritePriority): BatchWriter {
  const queue: WriteRequest[][] = [];
  let chunk: WriteRequest[] = [];
  let requests = 0;
  let active = 0;
  /** Senders not paused for the priority: never paused below one. */
  let sending = 0;
  const state: { failure?: { error: unknown } } = {};
  const rethrow = () => {
    if (state.failure) throw state.failure.error;
  };
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const until = (ready: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (!ready()) return;
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
      check();
    });

  async function write(first: WriteRequest[]): Promise<void> {
    let pending = first;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= BATCH_ATTEMPTS) throw errors.throttled();
      if (attempt > 0) await backoff(attempt, 50, 2_000);
      const items: WriteRequest[] = pending;
      const result = await call(db, 'batchWrite', () => db.doc.send(new BatchWriteCommand({ RequestItems: { [db.table]: items } })));
      requests++;
      pending = (result.UnprocessedItems?.[db.table] ?? []) as WriteRequest[];
    }
  }
  /** A paused sender goes on once the priority settles, or once no sender is left going on (the queue must not stall). */
  const resume = (settled: Promise<void>) =>
    new Promise<void>((resolve) => {
      const go = () => {
        waiters.delete(check);
        resolve();
      };
      const check = () => {
        if (sending === 0 || state.failure) go();
      };
      waiters.add(check);
      void settled.then(go);
    });
  /** Writes queued chunks until none is left; pauses between them while the priority yields, unless it is the last sender. */
  async function send(): Promise<void> {
    for (;;) {
      while (priority?.yielding() && sending > 1 && !state.failure) {
        sending--;
        await resume(priority.settled());
        sending++;
      }
      const next = queue.shift();
      if (!next || state.failure) return;
      await write(next);
      notify();
    }
  }
  /** Queues the chunk being filled (when `partial`, even short of 25), and starts senders up to the limit. */
  function flush(partial: boolean): void {
    if (chunk.length === BATCH_WRITE_LIMIT || (partial && chunk.length > 0)) {
      queue.push(chunk);
      chunk = [];
    }
    while (active < concurrency && queue.length > 0 && !state.failure) {
      active++;
      sending++;
      send()
        .catch((error: unknown) => {
          state.failure ??= { error };
        })
        .finally(() => {
          active--;
          sending--;
          notify();
        });
    }
  }
  return {
    async add(writes) {
      rethrow();
      for (const w of writes) {
        chunk.push('put' in w ? { PutRequest: { Item: w.put } } : { DeleteRequest: { Key: w.delete } });
        flush(false);
      }
      // Bounded: at most a few rounds of chunks wait, whatever the caller feeds.
      await until(() => state.failure !== undefined || queue.length <= concurrency * 4);
      rethrow();
    },
    async done() {
      flush(true);
      await until(() => active === 0);
      rethrow();
      return requests;
    },
  };
}

/**
 * BatchWriteItem in chunks of 25, several in flight, UnprocessedItems retried with backoff.
 * A key may appear once per chunk only, so duplicates (a self-follow) are dropped first.
 */
export async function batchWrite(db: Db, writes: DerivedWrite[], concurrency = WRITE_CONCURRENCY): Promise<number> {
  const seen = new Set<string>();
  const unique = writes.filter((w) => {
    const key = keyString('put' in w ? w.put : w.delete);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const writer = batchWriter(db, concurrency);
  await writer.add(unique);
  return writer.done();
}

/** Epoch seconds `days` from now: the TTL attribute of bounded derived items. */
export const expiresIn = (days: number, now = Date.now()): number => Math.floor(now / 1000) + Math.round(days * 86_400);

/** The derived items at `wanted` that exist (BatchGetItem in chunks; no session check: not the main table). */
export function getDerivedItems(derived: Db, wanted: ItemKey[]): Promise<RawItem[]> {
  return batchGet(derived, 'findMissing', wanted, { sessionCheck: false });
}
