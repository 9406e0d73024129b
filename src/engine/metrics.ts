/**
 * Counts DynamoDB requests per operation and sums the capacity they consumed, on either
 * client (SDK middleware or the lean client's hook, see observe.ts). It asks for
 * ReturnConsumedCapacity=TOTAL unless the caller already asked for something, so it changes
 * the requests it counts: tests and the bench's counting pass use it, never measured runs.
 */
import { currentPattern, observeCalls, type Observable } from './observe.js';

export interface OperationMetrics {
  requests: number;
  /** Sum of ConsumedCapacity.CapacityUnits over the responses (0 when the engine reports none). */
  capacityUnits: number;
}

export interface Metrics {
  /** Per operation name (GetItem, Query, TransactWriteItems...): a copy, safe to keep. */
  snapshot(): Record<string, OperationMetrics>;
  /** Requests per access pattern (as named where it is defined), then per operation: a copy. */
  byPattern(): Record<string, Record<string, number>>;
  reset(): void;
  /** Removes the middleware from the client. */
  detach(): void;
}

/** Operations whose answers can carry ConsumedCapacity. */
export const REPORTS_CAPACITY: ReadonlySet<string> = new Set([
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

export function capacityOf(output: unknown): number {
  const consumed = (output as { ConsumedCapacity?: Capacity | Capacity[] } | undefined)?.ConsumedCapacity;
  if (consumed === undefined) return 0;
  const list = Array.isArray(consumed) ? consumed : [consumed];
  return list.reduce((sum, c) => sum + (c.CapacityUnits ?? 0), 0);
}

export function attachMetrics(target: Observable): Metrics {
  let counts = new Map<string, OperationMetrics>();
  let patterns = new Map<string, Record<string, number>>();
  const detach = observeCalls(target, {
    before(operation, input) {
      const entry = counts.get(operation) ?? { requests: 0, capacityUnits: 0 };
      counts.set(operation, entry);
      entry.requests++;
      const pattern = currentPattern();
      const perOperation = patterns.get(pattern) ?? {};
      patterns.set(pattern, perOperation);
      perOperation[operation] = (perOperation[operation] ?? 0) + 1;
      // A copy: the caller's input object must not change under it.
      return REPORTS_CAPACITY.has(operation) && input.ReturnConsumedCapacity === undefined ? { ...input, ReturnConsumedCapacity: 'TOTAL' } : input;
    },
    after(operation, _input, output) {
      const entry = counts.get(operation);
      if (entry && output) entry.capacityUnits += capacityOf(output);
    },
  });

  return {
    snapshot() {
      return Object.fromEntries([...counts].map(([op, m]) => [op, { ...m }]));
    },
    byPattern() {
      return Object.fromEntries([...patterns].map(([pattern, ops]) => [pattern, { ...ops }]));
    },
    reset() {
      counts = new Map();
      patterns = new Map();
    },
    detach,
  };
}

/** Requests only, per operation: what tests compare (capacity depends on item sizes). */
export function requestCounts(snapshot: Record<string, OperationMetrics>): Record<string, number> {
  return Object.fromEntries(Object.entries(snapshot).map(([op, m]) => [op, m.requests]));
}
