/**
 * The effect of a keyed request (one with an Idempotency-Key, src/http/idempotency.ts): the
 * transaction that makes what the request creates also marks the request's key `applied`, in
 * the same TransactWriteItems. So whether the effect happened is written down with it, and:
 *  - an answer lost after the commit (a timeout, a dropped connection to the engine) is
 *    resolved in the request: one consistent GetItem of the key says it applied, and the
 *    request answers as if nothing had gone wrong;
 *  - a request whose process died after the commit is never run again by a retry (an applied
 *    key is never taken over): the retry is told it succeeded (409 IDEMPOTENCY_ANSWER_NOT_KEPT);
 *  - once its key is released or taken over, a request's effect can no longer apply (the mark's
 *    condition names the claim), so a late commit cannot duplicate a retry's.
 * The HTTP layer decides which call is the effect (`asKeyedEffect`); `transact` (db.ts) adds
 * the mark to the first transaction inside it, once.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from '../schema/keys.js';

export interface EffectMark {
  /** The key's item (src/patterns/idempotency.ts). */
  key: ItemKey;
  /** The claim of this attempt: only it may mark the key. */
  claimId: string;
  /** Set once a transaction carrying the mark applied: later transactions of the request carry none. */
  applied: boolean;
}

const store = new AsyncLocalStorage<EffectMark>();

/** Runs `fn` as the effect of the keyed request `mark` belongs to; without a mark, just `fn`. */
export function asKeyedEffect<T>(mark: EffectMark | undefined, fn: () => Promise<T>): Promise<T> {
  return mark === undefined ? fn() : store.run(mark, fn);
}

/** The mark the next transaction must carry, if it is a keyed effect not yet applied. */
export function pendingEffectMark(): EffectMark | undefined {
  const mark = store.getStore();
  return mark !== undefined && !mark.applied ? mark : undefined;
}

/**
 * The transaction item that marks the key applied, if the claim is still this attempt's and
 * pending. Typed from the SDK's input (db.ts calls it TransactItem): db.ts imports this file.
 */
export function effectMarkItem(table: string, mark: EffectMark): NonNullable<TransactWriteCommandInput['TransactItems']>[number] {
  return {
    Update: {
      TableName: table,
      Key: mark.key,
      UpdateExpression: 'SET #state = :applied',
      ConditionExpression: 'claimId = :claim AND #state = :pending',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':applied': 'applied', ':pending': 'pending', ':claim': mark.claimId },
    },
  };
}

/** Whether a key's item, read consistently, says this attempt's effect applied. */
export function effectApplied(item: Record<string, unknown> | undefined, mark: EffectMark): boolean {
  return item?.claimId === mark.claimId && (item.state === 'applied' || item.state === 'done');
}
