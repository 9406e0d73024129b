/**
 * Derived-table writes of many records gathered into full BatchWriteItem requests: for a bulk
 * derivation (admin/derive-initial.ts), where each record's views write one or two items at a
 * time (about 1,750 BatchWriteItem requests of one or two items for the lab's 967 items).
 *
 * The views run unchanged on a Db whose client holds back their BatchWriteItem requests to the
 * derived table and writes them 25 to a request. What that can change, and why it does not:
 * - Order. A held write goes out before any other request to the derived table is sent (a read,
 *   a conditional or single-item write), so every request a view makes there finds all earlier
 *   writes applied. Flushes run one after another; one flush's chunks have distinct keys.
 * - Two writes to one key. The later replaces the earlier while both are held: what writing
 *   them in that order would leave.
 * - Requests to the main table are not held back: they never read derived items.
 * The answer to a held request is an empty UnprocessedItems: `flush()` retries what the engine
 * leaves unprocessed, and a failure surfaces at the next flush, at the latest the caller's last.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../../patterns/db.js';
import { keyString } from '../../schema/keys.js';
import { tablesOf } from './read-once.js';
import { batchWrite, BATCH_WRITE_LIMIT, derivedDb, WRITE_CONCURRENCY, type DerivedWrite, type WriteRequest } from './writes.js';

/** Held writes that start a flush: one BatchWriteItem for each of the writer's senders. */
const FLUSH_AT = BATCH_WRITE_LIMIT * WRITE_CONCURRENCY;

export interface CoalescedWrites {
  /** `db` with its derived-table BatchWriteItem requests held back and coalesced. */
  readonly db: Db;
  /** Writes whatever is held; rejects with the first failure of any flush. */
  flush(): Promise<void>;
}

export function coalesceDerivedWrites(db: Db): CoalescedWrites {
  const direct = derivedDb(db);
  const derivedTable = direct.table;
  const held = new Map<string, DerivedWrite>();
  let flushing: Promise<void> = Promise.resolve();
  let failure: { error: unknown } | undefined;

  function flush(): Promise<void> {
    flushing = flushing.then(async () => {
      if (failure) throw failure.error;
      const writes = [...held.values()];
      held.clear();
      if (writes.length === 0) return;
      try {
        await batchWrite(direct, writes);
      } catch (error) {
        failure = { error };
        throw error;
      }
    });
    return flushing;
  }

  function hold(requests: WriteRequest[]): Promise<void> | undefined {
    for (const request of requests) {
      const write: DerivedWrite = 'PutRequest' in request ? { put: request.PutRequest.Item } : { delete: request.DeleteRequest.Key };
      const key = keyString('put' in write ? write.put : write.delete);
      held.delete(key);
      held.set(key, write);
    }
    return held.size >= FLUSH_AT ? flush() : undefined;
  }

  const send = async (command: { input: unknown }, ...rest: unknown[]): Promise<unknown> => {
    const tables = tablesOf(command.input);
    if (command instanceof BatchWriteCommand && tables.length === 1 && tables[0] === derivedTable) {
      await hold((command.input.RequestItems?.[derivedTable] ?? []) as WriteRequest[]);
      return { $metadata: {}, UnprocessedItems: {} };
    }
    if (tables.includes(derivedTable)) await flush();
    return (db.doc.send as (command: unknown, ...rest: unknown[]) => Promise<unknown>)(command, ...rest);
  };
  const doc = new Proxy(db.doc, {
    get: (target, property, receiver) => (property === 'send' ? send : Reflect.get(target, property, receiver) as unknown),
  }) as DynamoDBDocumentClient;
  return { db: { ...db, doc }, flush };
}
