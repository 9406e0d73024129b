/**
 * Main-table reads of a bulk derivation (admin/derive-initial.ts) sent once each. Applying the
 * lab's 967 items, the views asked the same 102 questions 1,116 times (an author's follower
 * count and followers, once per photo; a user's privacy, once per item that names them): the
 * derivation reads a table that was just loaded, so the same request answers the same.
 *
 * What keeps an answer the same: an answer is kept only while no request that could change the
 * main table is under way or has been sent since the read started (a view that writes there,
 * such as the comment summary, ends every kept answer). Identical reads in flight together
 * share one request. Each caller gets its own copy of the answer, as it would from the engine.
 */
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
  const answers = new Map<string, Promise<unknown>>();
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
    if (writing > 0) return sendDirect(command, ...rest);
    const key = `${command.constructor.name} ${JSON.stringify(command.input)}`;
    let answer = answers.get(key);
    if (!answer) {
      const startedAt = generation;
      answer = sendDirect(command, ...rest);
      answers.set(key, answer);
      if (answers.size > maxKept) answers.delete(answers.keys().next().value!);
      answer.then(
        () => startedAt !== generation && answers.get(key) === answer && answers.delete(key),
        () => answers.get(key) === answer && answers.delete(key),
      );
    }
    return structuredClone(await answer);
  };
  const doc = new Proxy(db.doc, {
    get: (target, property, receiver) => (property === 'send' ? send : (Reflect.get(target, property, receiver) as unknown)),
  }) as DynamoDBDocumentClient;
  return { ...db, doc };
}
