/**
 * A worker running in the same process as the API (`npm start`) learns of the API's writes
 * without waiting for its idle poll: each write to the main table that succeeds nudges it, and
 * it reads the stream within NUDGED_POLL_MS (pacing.ts) instead of up to WORKER_POLL_MS
 * later. A worker in a process of its own, or the Lambda function, polls as before; the
 * nudge changes when a pass starts, never what it reads or where it checkpoints. A worker
 * hooks the clients it is given (`wakeOn` in worker.ts) and unhooks them when it stops.
 */
import type { Fields } from '../engine/doc-client.js';
import { isObservable, observeCalls } from '../engine/observe.js';

/** What can be woken: the worker's stream consumer (consumer.ts). */
export interface Nudgeable {
  nudge(): void;
}

/** The tables a successful write operation wrote to. */
export function writtenTables(operation: string, input: Fields): string[] {
  switch (operation) {
    case 'PutItem':
    case 'UpdateItem':
    case 'DeleteItem':
      return typeof input.TableName === 'string' ? [input.TableName] : [];
    case 'BatchWriteItem':
      return typeof input.RequestItems === 'object' && input.RequestItems !== null ? Object.keys(input.RequestItems) : [];
    case 'TransactWriteItems': {
      const items = Array.isArray(input.TransactItems) ? (input.TransactItems as Record<string, { TableName?: unknown } | undefined>[]) : [];
      return items.flatMap((item) => [item.Put, item.Update, item.Delete].flatMap((write) => (typeof write?.TableName === 'string' ? [write.TableName] : [])));
    }
    default:
      return [];
  }
}

/**
 * Nudges `worker` after every write to `table` made through `client`; returns the function that
 * stops it. A client that cannot be observed leaves the worker to its poll.
 */
export function wakeOnWrites(worker: Nudgeable, client: unknown, table: string): () => void {
  if (!isObservable(client)) return () => undefined;
  return observeCalls(client, {
    after(operation, input, _output, error) {
      if (error === undefined && writtenTables(operation, input).includes(table)) worker.nudge();
    },
  });
}
