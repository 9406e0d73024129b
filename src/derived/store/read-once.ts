/**
 * Main-table reads of the views sent once where asking again would tell them nothing they rely
 * on: in a bulk derivation (`readOnce`), and between the stream records being applied
 * (`sharedReads`, below). Applying the
 * lab's 967 items, the views asked the same 102 questions 1,116 times (an author's follower
 * count and followers, once per photo; a user's privacy, once per item that names them): the
 * derivation reads a table that was just loaded, so the same request answers the same.
 *
 * What keeps an answer the same: an answer is kept only while no request that could change the
 * main table is under way or has been sent since the read started (a view that writes there,
 * such as the comment summary, ends every kept answer). Identical reads in flight together
 * share one request. Each caller gets its own copy of the answer, as it would from the engine.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { BatchGetCommand, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Db } from '../../patterns/db.js';

/** The tables a command names (TableName, RequestItems, TransactItems). */
export function tablesOf(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const named = input as { TableName?: unknown; RequestItems?: Record<string, unknown>; TransactItems?: Record<string, { TableName?: unknown }>[] };
  const tables: string[] = [];
  if (typeof named.TableName === 'string') tables.push(named.TableName);
  if (named.RequestItems) tables.push(...Object.keys(named.RequestItems));
  for (const item of named.TransactItems ?? []) for (const part of Object.values(item)) if (typeof part.TableName === 'string') tables.push(part.TableName);
  return tables;
}

const READS = [GetCommand, QueryCommand, BatchGetCommand];

/**
 * Answers kept at most, the oldest let go first: the lab's derivation asks 102 questions, and a
 * load of any size keeps no more than this many answers in memory (the views read a user's
 * attributes or a page of keys: kilobytes each).
 */
export const MAX_KEPT_ANSWERS = 1_000;

/** `db` whose repeated main-table reads are answered from the first; for a table nobody else writes. */
export function readOnce(db: Db, maxKept = MAX_KEPT_ANSWERS): Db {
  return keptReads(db, maxKept, () => 0, () => 0).db;
}

/**
 * Main-table reads shared between the stream records being applied (the worker's lanes, a
 * Lambda invocation), where others write the table all the while.
 *
 * An answer serves a record only if its read was sent after the record was read from the
 * stream, and so after the record's write: what the record's views would have read themselves,
 * at a later moment at most (which they never rely on: a later write is a later record, and
 * the records read after it are served only by answers read after it too). Replaying the lab's
 * 967 records, the views' 1,114 main-table reads became about 105.
 */
export interface SharedReads {
  /** The table whose reads are shared inside `applying` (anywhere else, each read is sent). */
  readonly db: Db;
  /** Says that a batch of records was read from the stream; returns its mark, for `applying`. */
  batchRead(): number;
  /** Runs `apply` (a record of the batch that got `mark`) with reads shared; with no mark, every read is sent. */
  applying<T>(mark: number | undefined, apply: () => Promise<T>): Promise<T>;
  /** Lets every kept answer go: a record retried after a failure reads afresh. */
  forget(): void;
}

export function sharedReads(db: Db, maxKept = MAX_KEPT_ANSWERS): SharedReads {
  const record = new AsyncLocalStorage<number | undefined>();
  let marks = 0;
  const kept = keptReads(db, maxKept, () => marks, () => record.getStore());
  return {
    db: kept.db,
    batchRead: () => ++marks,
    applying: (mark, apply) => record.run(mark, apply),
    forget: kept.clear,
  };
}

interface Kept {
  answer: Promise<unknown>;
  /** The mark current when its request was sent. */
  mark: number;
}

/**
 * `db` whose main-table reads are answered from an earlier identical read sent at mark
 * `floor()` or later (none while `floor()` is undefined). Any main-table write under way or sent
 * since a read started lets the kept answers go; so does `clear()`.
 */
function keptReads(db: Db, maxKept: number, mark: () => number, floor: () => number | undefined): { db: Db; clear: () => void } {
  const answers = new Map<string, Kept>();
  // Bumped when a write to the main table starts and when it ends: an answer read across either is not kept.
  let generation = 0;
  let writing = 0;
  const sendDirect = db.doc.send.bind(db.doc) as (command: unknown, ...rest: unknown[]) => Promise<unknown>;

  const send = async (command: { input: unknown }, ...rest: unknown[]): Promise<unknown> => {
    if (!tablesOf(command.input).includes(db.table)) return sendDirect(command, ...rest);
    if (!READS.some((read) => command instanceof read)) {
      writing++;
      generation++;
      answers.clear();
      try {
        return await sendDirect(command, ...rest);
      } finally {
        writing--;
        generation++;
        answers.clear();
      }
    }
    const least = floor();
    if (writing > 0 || least === undefined) return sendDirect(command, ...rest);
    const key = `${command.constructor.name} ${JSON.stringify(command.input)}`;
    let kept = answers.get(key);
    if (!kept || kept.mark < least) {
      const startedAt = generation;
      const sentAt = mark();
      const fresh: Kept = { answer: sendDirect(command, ...rest), mark: sentAt };
      kept = fresh;
      answers.delete(key);
      answers.set(key, fresh);
      if (answers.size > maxKept) answers.delete(answers.keys().next().value!);
      fresh.answer.then(
        () => startedAt !== generation && answers.get(key) === fresh && answers.delete(key),
        () => answers.get(key) === fresh && answers.delete(key),
      );
    }
    return structuredClone(await kept.answer);
  };
  const doc = new Proxy(db.doc, {
    get: (target, property, receiver) => (property === 'send' ? send : (Reflect.get(target, property, receiver) as unknown)),
  }) as DynamoDBDocumentClient;
  return { db: { ...db, doc }, clear: () => answers.clear() };
}
