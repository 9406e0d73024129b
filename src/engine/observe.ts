/**
 * One way to watch DynamoDB calls on either client: an SDK middleware on the SDK client's
 * stack (a DocumentClient built with `.from(client)` shares it), or the lean client's hook.
 *
 * The SDK middleware sits in the `initialize` step: it sees each `send()` once (the SDK's own
 * retries happen later in the stack), as the lean client's hook does.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CallObserver, Fields } from './doc-client.js';
import { LeanDocClient } from './lean/client.js';

export type Observable = DynamoDBClient | DynamoDBDocumentClient | LeanDocClient;

/** Whether a client handed over as a plain DocClient can be observed (both real ones can). */
export function isObservable(client: unknown): client is Observable {
  return client instanceof LeanDocClient || (typeof client === 'object' && client !== null && 'middlewareStack' in client);
}

/**
 * The access pattern a DynamoDB call serves, named where the pattern builds the request
 * (`call(db, 'findUser', ...)` in src/patterns/db.ts) and read here by the observers (metrics,
 * request counts, error logs).
 *
 * Carried by AsyncLocalStorage rather than the command: the lean client has no middleware
 * stack, the SDK gives a send no way into its middleware context (send's options go to the
 * HTTP handler), and a field on the input would go on the wire. Both clients run their
 * observers inside the caller's async context, so they see the name the call was made under;
 * the request path already runs in an AsyncLocalStorage (src/patterns/acting.ts), so this
 * adds no new async-hook cost.
 */
const patternScope = new AsyncLocalStorage<string>();

/** Runs `fn` (and the DynamoDB calls it sends) as the named access pattern. */
export function asPattern<T>(name: string, fn: () => T): T {
  return patternScope.run(name, fn);
}

/** Calls sent outside any named pattern (tests' raw commands, the operator's tools). */
export const UNNAMED_PATTERN = 'unnamed';

/** The access pattern the current call serves. */
export function currentPattern(): string {
  return patternScope.getStore() ?? UNNAMED_PATTERN;
}

let attached = 0;

/** Starts observing; returns the function that stops it. */
export function observeCalls(target: Observable, observer: CallObserver): () => void {
  if (target instanceof LeanDocClient) return target.observe(observer);
  // Unique per attachment, so two observers (a test's and the service's) can coexist.
  const name = `quickPhotosObserver${++attached}`;
  target.middlewareStack.add(
    (next, context) => async (args) => {
      const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
      const input = observer.before ? observer.before(operation, args.input as Fields) : (args.input as Fields);
      const startedAt = performance.now();
      try {
        const result = await next(input === args.input ? args : { ...args, input });
        observer.after?.(operation, input, result.output as unknown as Fields, undefined, startedAt);
        return result;
      } catch (error) {
        observer.after?.(operation, input, undefined, error, startedAt);
        throw error;
      }
    },
    { step: 'initialize', name, priority: 'high' },
  );
  return () => target.middlewareStack.remove(name);
}
