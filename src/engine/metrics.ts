/**
 * Counts DynamoDB requests per operation and sums the capacity they consumed, through an SDK
 * middleware on the client's stack. A DynamoDBDocumentClient built with `.from(client)` shares
 * that stack, so document-client calls are counted too.
 *
 * The middleware sits in the `initialize` step: it sees each `send()` once (the SDK's own
 * retries happen later in the stack and are not counted as separate requests), and it asks
 * for ReturnConsumedCapacity=TOTAL unless the caller already asked for something.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export interface OperationMetrics {
  requests: number;
  /** Sum of ConsumedCapacity.CapacityUnits over the responses (0 when the engine reports none). */
  capacityUnits: number;
}

export interface Metrics {
  /** Per operation name (GetItem, Query, TransactWriteItems...): a copy, safe to keep. */
  snapshot(): Record<string, OperationMetrics>;
  reset(): void;
  /** Removes the middleware from the client. */
  detach(): void;
}

const REPORTS_CAPACITY = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactWriteItems',
  'TransactGetItems',
]);

interface Capacity {
  CapacityUnits?: number;
}

function capacityOf(output: unknown): number {
  const consumed = (output as { ConsumedCapacity?: Capacity | Capacity[] } | undefined)?.ConsumedCapacity;
  if (consumed === undefined) return 0;
  const list = Array.isArray(consumed) ? consumed : [consumed];
  return list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}

let attached = 0;

export function attachMetrics(client: DynamoDBClient): Metrics {
  let counts = new Map<string, OperationMetrics>();
  // Unique per attachment, so two meters (a test's and a benchmark's) can coexist.
  const name = `quickPhotosMetrics${++attached}`;

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const entry = counts.get(operation) ?? { requests: 0, capacityUnits: 0 };
      counts.set(operation, entry);
      entry.requests++;
      const input = args.input as Record<string, unknown>;
      const ask = REPORTS_CAPACITY.has(operation) && input.ReturnConsumedCapacity === undefined;
      // A copy: the caller's input object must not change under it.
      const result = await next(ask ? { ...args, input: { ...input, ReturnConsumedCapacity: 'TOTAL' } } : args);
      entry.capacityUnits += capacityOf(result.output);
      return result;
    },
    { step: 'initialize', name, priority: 'high' },
  );

  return {
    snapshot() {
      return Object.fromEntries([...counts].map(([op, m]) => [op, { ...m }]));
    },
    reset() {
      counts = new Map();
    },
    detach() {
      client.middlewareStack.remove(name);
    },
  };
}

/** Requests only, per operation: what tests compare (capacity depends on item sizes). */
export function requestCounts(snapshot: Record<string, OperationMetrics>): Record<string, number> {
  return Object.fromEntries(Object.entries(snapshot).map(([op, m]) => [op, m.requests]));
}
