/** The deletion job's shared machinery: one page of a query, and a phase repeated until empty. */
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { errors } from '../../errors.js';
import type { RawItem } from '../../schema/entity.js';
import { backoff, call, type Db, type transact } from '../db.js';

/** Rounds of a phase that removed nothing before the job gives up (an index lagging, or corrupt data). */
export const STALLED_ROUNDS = 12;

/** One transaction of the job (the one place it may stop); false when a condition failed. */
export type Step = (name: string, items: Parameters<typeof transact>[2]) => Promise<boolean>;

/** One page of keys/items of a query; consistent unless it reads the index. */
export async function page(db: Db, input: Omit<QueryCommandInput, 'TableName'>, limit: number): Promise<RawItem[]> {
  const result = await call(db, 'finishDeletion', () => db.doc.send(new QueryCommand({ TableName: db.table, ConsistentRead: input.IndexName === undefined, Limit: limit, ...input })));
  return (result.Items ?? []) as RawItem[];
}


/** Repeats `round` until it finds nothing more; rounds that remove nothing are bounded. */
export async function drain(round: () => Promise<'empty' | 'progress' | 'stalled'>): Promise<void> {
  for (let stalled = 0; ; ) {
    const outcome = await round();
    if (outcome === 'empty') return;
    if (outcome === 'progress') stalled = 0;
    else {
      if (++stalled >= STALLED_ROUNDS) throw errors.transactionConflict();
      await backoff(stalled, 50, 1_000);
    }
  }
}

