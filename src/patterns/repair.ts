/**
 * Doctor's repairs are conditional on what the audit read: each write goes in one transaction
 * with checks that the state which made it a repair still holds (the missing user still
 * missing, the account still private...). A user's write landing between the audit and the
 * repair makes the repair do nothing; the re-audit says what is left.
 */
import { randomBytes } from 'node:crypto';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DocClient } from '../engine/doc-client.js';
import { createCursorCodec } from './cursor.js';
import { conditional, RETRY, transact, type Db, type TransactItem } from './db.js';
import type { ItemKey } from '../schema/keys.js';

/** An operator's connection: repairs and audits only send, so their cursor codec is never used. */
export function operatorDb(doc: DocClient, table: string): Db {
  return { doc, table, cursors: createCursorCodec(randomBytes(16).toString('hex')) };
}

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
/** The audit read `attribute` of the item at `key` as `value` (undefined: the item without it). */
export function attributeWas(key: ItemKey, attribute: string, value: unknown): Precondition {
  return value === undefined
    ? { key, condition: 'attribute_exists(PK) AND attribute_not_exists(#a)', names: { '#a': attribute } }
    : { key, condition: '#a = :a', names: { '#a': attribute }, values: { ':a': value } };
}

/**
 * Applies `writes` to `db.table` only if every precondition still holds (and each write's own
 * condition): true when applied, false when something changed since the audit.
 */
export async function repairIf(db: Db, writes: TransactItem[], preconditions: Precondition[]): Promise<boolean> {
  // One transaction may name an item once: the same check twice (a self-follow's user) is one.
  const distinct = [...new Map(preconditions.map((p) => [JSON.stringify([p.table ?? db.table, p.key.PK, p.key.SK, p.condition, p.values]), p])).values()];
  const checks: TransactItem[] = distinct.map((p) => ({
    ConditionCheck: {
      TableName: p.table ?? db.table,
      Key: p.key,
      ConditionExpression: p.condition,
      ...(p.names ? { ExpressionAttributeNames: p.names } : {}),
      ...(p.values ? { ExpressionAttributeValues: p.values } : {}),
    },
  }));
  return transact(db, 'repairIf', [...writes, ...checks], () => RETRY);
}

/** Deletes the item at `key` of `db.table` if it is still there and every precondition holds. */
export function deleteIf(db: Db, key: ItemKey, preconditions: Precondition[]): Promise<boolean> {
  return repairIf(db, [{ Delete: { TableName: db.table, Key: key, ConditionExpression: 'attribute_exists(PK)' } }], preconditions);
}

/**
 * Sets a counter to its recount if it still holds the value the audit saw (`stored` undefined:
 * still absent, its parent there). `path` is the attribute, or a map and its entry
 * (`['reactions', 'heart']`). False when the item changed since.
 */
export function setCounterIf(db: Db, key: ItemKey, path: readonly [string] | readonly [string, string], stored: unknown, actual: number): Promise<boolean> {
  const names = Object.fromEntries(path.map((name, i) => [`#a${i}`, name]));
  const target = path.map((_, i) => `#a${i}`).join('.');
  const parent = path.length === 1 ? 'attribute_exists(PK)' : 'attribute_exists(#a0)';
  return conditional(db, 'repairIf', () =>
    db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: key,
        UpdateExpression: `SET ${target} = :actual`,
        ConditionExpression: stored === undefined ? `${parent} AND attribute_not_exists(${target})` : `${target} = :stored`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':actual': actual, ...(stored === undefined ? {} : { ':stored': stored }) },
      }),
    ),
  );
}

/**
 * Updates the item at `key` if `attribute` (`#seen` in the expression) still holds what the
 * audit read (an image replaced meanwhile is kept); `seen` undefined: the item exists and the
 * attribute is still absent.
 */
export function updateIfUnchanged(db: Db, key: ItemKey, attribute: string, seen: unknown, update: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> }): Promise<boolean> {
  const values = { ...update.values, ...(seen === undefined ? {} : { ':seen': seen }) };
  return conditional(db, 'repairIf', () =>
    db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: key,
        UpdateExpression: update.expression,
        ConditionExpression: seen === undefined ? 'attribute_exists(PK) AND attribute_not_exists(#seen)' : '#seen = :seen',
        ExpressionAttributeNames: { ...update.names, '#seen': attribute },
        ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
      }),
    ),
  );
}
