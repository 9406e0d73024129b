/**
 * Doctor's repairs are conditional on what the audit read: each write goes in one transaction
 * with checks that the state which made it a repair still holds (the missing user still
 * missing, the account still private...). A user's write landing between the audit and the
 * repair makes the repair do nothing; the re-audit says what is left.
 */
import { randomBytes } from 'node:crypto';
import type { TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { DocClient } from '../engine/doc-client.js';
import { createCursorCodec, RETRY, transact } from '../patterns/index.js';
import type { ItemKey } from '../schema/keys.js';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** What the audit read of one item, as a condition on it. */
export interface Precondition {
  key: ItemKey;
  condition: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
  /** Another table than the repair's (the derived audit checks the main table). */
  table?: string;
}

/** The audit found no item at `key`. */
export const absent = (key: ItemKey, table?: string): Precondition => ({ key, condition: 'attribute_not_exists(PK)', ...(table ? { table } : {}) });
/** The audit found an item at `key`. */
export const present = (key: ItemKey, table?: string): Precondition => ({ key, condition: 'attribute_exists(PK)', ...(table ? { table } : {}) });

/**
 * Applies `writes` only if every precondition still holds (and each write's own condition):
 * true when applied, false when something changed since the audit.
 */
export async function repairIf(doc: DocClient, table: string, writes: TransactItem[], preconditions: Precondition[]): Promise<boolean> {
  // One transaction may name an item once: the same check twice (a self-follow's user) is one.
  const distinct = [...new Map(preconditions.map((p) => [JSON.stringify([p.table ?? table, p.key.PK, p.key.SK, p.condition, p.values]), p])).values()];
  const checks: TransactItem[] = distinct.map((p) => ({
    ConditionCheck: {
      TableName: p.table ?? table,
      Key: p.key,
      ConditionExpression: p.condition,
      ...(p.names ? { ExpressionAttributeNames: p.names } : {}),
      ...(p.values ? { ExpressionAttributeValues: p.values } : {}),
    },
  }));
  // transact only sends; its cursor codec is never used.
  const db = { doc, table, cursors: createCursorCodec(randomBytes(16).toString('hex')) };
  return transact(db, 'repairIf', [...writes, ...checks], () => RETRY);
}
