/**
 * Idempotency keys of POSTs (the HTTP layer's `Idempotency-Key`, src/http/idempotency.ts): one
 * item per key in the account's IDEMPOTENCY# partition, holding the request's fingerprint and,
 * once the first request finished, its answer. The HTTP layer hashes and encrypts; this module
 * stores opaque strings only.
 *
 * Requests: a keyed POST costs two writes besides its own (the claim's conditional PutItem, then
 * the answer's UpdateItem, or a DeleteItem when the first attempt failed and may be retried), and
 * its effect's transaction one item more, which marks the key applied (effect.ts). A repeat costs
 * the claim's PutItem alone: its failed condition returns the stored item.
 *
 * Bounds: `expiresAt` is the table's TTL attribute (items past it count as absent at once, since
 * TTL deletion lags), the stored answer's size is bounded by the caller, and account deletion
 * sweeps the partition (src/patterns/accounts/leftovers.ts).
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../schema/keys.js';
import type { RawItem } from '../schema/entity.js';
import { plainItem } from './acting.js';
import { call, conditional, isConditionFailure, type Db } from './db.js';
import type { EffectMark } from './effect.js';

export interface IdempotencyKeyRef {
  /** The account (or, for sign-up, the name asked for) whose partition holds the key. */
  username: string;
  /** `A<accountId>`, `N` (an account made before ids), `P` (a route without a token: sign-up, emailed codes). */
  scope: string;
  /** A keyed hash of the client's key. */
  digest: string;
}

export type IdempotencyRecord =
  | { state: 'pending'; fingerprint: string }
  /** The effect applied (effect.ts), no answer kept yet: `leaseUntil` absent once the answer is known lost. */
  | { state: 'applied'; fingerprint: string; leaseUntil?: number | undefined }
  | { state: 'done'; fingerprint: string; status: number; answer?: string | undefined };

export interface Claim {
  ref: IdempotencyKeyRef;
  fingerprint: string;
  /** This attempt's own id: only it may settle or release the claim. */
  claimId: string;
  /** Epoch seconds: the key is forgotten after this (TTL). */
  expiresAt: number;
  /** Epoch ms: a pending claim older than this is taken over (its request died with its process). */
  leaseUntil: number;
}

const keyOf = (ref: IdempotencyKeyRef) => keys.idempotency(ref.username, ref.scope, ref.digest);

function decode(item: RawItem | undefined, nowMs: number): IdempotencyRecord | undefined {
  if (!item || typeof item.fingerprint !== 'string') return undefined;
  if (typeof item.expiresAt === 'number' && item.expiresAt * 1000 <= nowMs) return undefined;
  if (item.state === 'done' && typeof item.status === 'number') {
    return { state: 'done', fingerprint: item.fingerprint, status: item.status, answer: typeof item.answer === 'string' ? item.answer : undefined };
  }
  if (item.state === 'applied') return { state: 'applied', fingerprint: item.fingerprint, leaseUntil: typeof item.leaseUntil === 'number' ? item.leaseUntil : undefined };
  return { state: 'pending', fingerprint: item.fingerprint };
}

/**
 * One conditional PutItem: the key becomes this attempt's unless a live item holds it (not
 * expired, and either finished, applied, or pending within its lease). Returns undefined when
 * claimed, else what holds the key.
 */
export async function claimIdempotencyKey(db: Db, claim: Claim, nowMs = Date.now()): Promise<IdempotencyRecord | undefined> {
  const key = keyOf(claim.ref);
  try {
    await call(db, 'claimIdempotencyKey', () =>
      db.doc.send(
        new PutCommand({
          TableName: db.table,
          Item: { ...key, state: 'pending', fingerprint: claim.fingerprint, claimId: claim.claimId, leaseUntil: claim.leaseUntil, expiresAt: claim.expiresAt },
          ConditionExpression: 'attribute_not_exists(PK) OR expiresAt <= :nowS OR (#state = :pending AND leaseUntil <= :nowMs)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: { ':nowS': Math.floor(nowMs / 1000), ':nowMs': nowMs, ':pending': 'pending' },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    return undefined;
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    const returned = plainItem((error as { Item?: RawItem }).Item);
    // An engine that returns no item on a failed condition: read it (consistently) instead.
    const held = returned ?? (await call(db, 'claimIdempotencyKey', () => db.doc.send(new GetCommand({ TableName: db.table, Key: key, ConsistentRead: true })))).Item;
    // Gone or expired between the two requests: report it as in flight; the client retries.
    return decode(held, nowMs) ?? { state: 'pending', fingerprint: claim.fingerprint };
  }
}

/** UpdateItem: the first attempt's answer, kept until the key expires; false when the claim was lost. */
export async function settleIdempotencyKey(db: Db, claim: Claim, answer: { status: number; answer?: string | undefined }): Promise<boolean> {
  return conditional(db, 'settleIdempotencyKey', () =>
    db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keyOf(claim.ref),
        UpdateExpression: `SET #state = :done, #status = :status${answer.answer === undefined ? '' : ', answer = :answer'} REMOVE leaseUntil`,
        ConditionExpression: 'claimId = :claim',
        ExpressionAttributeNames: { '#state': 'state', '#status': 'status' },
        ExpressionAttributeValues: { ':done': 'done', ':status': answer.status, ':claim': claim.claimId, ...(answer.answer === undefined ? {} : { ':answer': answer.answer }) },
      }),
    ),
  );
}

/**
 * DeleteItem of this attempt's claim (it failed: a retry with the key may run again), unless
 * its effect applied all the same (effect.ts): then the key stays, its lease ended, so a retry
 * is told the request succeeded instead of running it a second time (one UpdateItem more).
 */
export async function releaseIdempotencyKey(db: Db, claim: Claim): Promise<void> {
  const Key = keyOf(claim.ref);
  const names = { '#state': 'state' };
  // Another attempt's claim by now (ours expired): it is not ours to free.
  const released = await conditional(db, 'releaseIdempotencyKey', () =>
    db.doc.send(
      new DeleteCommand({
        TableName: db.table,
        Key,
        ConditionExpression: 'claimId = :claim AND #state = :pending',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':claim': claim.claimId, ':pending': 'pending' },
      }),
    ),
  );
  if (released) return;
  await conditional(db, 'releaseIdempotencyKey', () =>
    db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key,
        UpdateExpression: 'REMOVE leaseUntil',
        ConditionExpression: 'claimId = :claim AND #state = :applied',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':claim': claim.claimId, ':applied': 'applied' },
      }),
    ),
  );
}

/** The mark a keyed request's effect carries (effect.ts): this attempt's claim on its key. */
export function effectMarkOf(claim: Claim): EffectMark {
  return { key: keyOf(claim.ref), claimId: claim.claimId, applied: false };
}
