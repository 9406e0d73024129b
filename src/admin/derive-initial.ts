/**
 * Derived data for a bulk load (the sample data of a fresh `npm start`), built directly
 * instead of by replaying the load's stream records one at a time behind each other.
 *
 * Every loaded item is handed to every view as the INSERT the stream would carry, by the
 * views' own code, several at once. The result is what the worker builds from the stream:
 * a view reads the main table's current state when it applies a record, and a replay after
 * the load reads the final state too, so each INSERT's writes depend on the final state only
 * and their union does not depend on the order (blocks, which delete, are applied last, as
 * after everything they stand between). test/derived/initial.test.ts compares both ways.
 *
 * Then each shard's checkpoint moves to the stream's latest record (under the shard's lease),
 * so the worker starts with no backlog and a live record is applied first.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DerivedConfig } from '../config/index.js';
import { eachLimited } from '../limit.js';
import type { Db } from '../patterns/db.js';
import { forEachScanPage } from '../patterns/audit/index.js';
import type { RawItem } from '../schema/entity.js';
import { classifyKey, classifySafetyKey } from '../schema/keys.js';
import { acquireLease, coalesceDerivedWrites, derivedDb, readOnce, releaseLease, saveCheckpoint } from '../derived/store/index.js';
import type { Change } from '../derived/records.js';
import { createStreamsClient, findStream, listShards, readRecords, shardIterator } from '../derived/stream.js';
import type { DerivedView } from '../derived/apply.js';

/** Items applied at once: a few requests each, on an engine that serves the start too. */
const CONCURRENCY = 16;

/** An item of the main table as the INSERT the stream would carry. */
function insertOf(item: RawItem): Change[] {
  if (typeof item.PK !== 'string' || typeof item.SK !== 'string') return [];
  const key = { PK: item.PK, SK: item.SK };
  return [{ event: 'INSERT', kind: classifyKey(key), key, oldImage: undefined, newImage: item, sequenceNumber: '0', at: new Date() }];
}

/**
 * Applies every item of the table to every view made by `makeViews`; returns the items applied.
 * The views are made on a Db whose derived-table writes are coalesced into full BatchWriteItem
 * requests (derived/store/coalesce.ts): for the lab's 967 items, BatchWriteItem requests fall
 * from about 1,750 to about a tenth of that; and whose repeated main-table reads are sent once
 * (derived/store/read-once.ts): 1,116 GetItem and Query requests become 102.
 */
export async function deriveLoaded(db: Db, makeViews: (db: Db) => readonly DerivedView[]): Promise<number> {
  const coalesced = coalesceDerivedWrites(readOnce(db));
  const views = makeViews(coalesced.db);
  const blocks: Change[] = [];
  let applied = 0;
  const apply = (changes: Change[]) => eachLimited(changes, CONCURRENCY, async (change) => {
    for (const view of views) await view.apply(change);
  });
  // One Scan, only for a table just loaded.
  await forEachScanPage(db, {}, async (items) => {
    const [deleting, adding] = partition(items.flatMap(insertOf), (c) => classifySafetyKey(c.key)?.kind === 'block');
    blocks.push(...deleting);
    await apply(adding);
    applied += adding.length;
  });
  await apply(blocks);
  await coalesced.flush();
  return applied + blocks.length;
}

function partition<T>(list: T[], test: (item: T) => boolean): [T[], T[]] {
  return [list.filter(test), list.filter((item) => !test(item))];
}

/**
 * Moves every shard's checkpoint to its latest record (read to the end, nothing applied).
 * A shard another worker holds is left to it (it replays; derived writes are idempotent).
 * Returns the shards moved.
 */
export async function checkpointAtLatest(client: DynamoDBClient, db: Db, settings: Pick<DerivedConfig, 'leaseMs'>): Promise<number> {
  const streams = createStreamsClient(client);
  const derived = derivedDb(db);
  const owner = `bulk-load-${process.pid}`;
  try {
    const stream = await findStream(client, db.table);
    if (!stream) return 0;
    let moved = 0;
    for (const shard of await listShards(streams, stream.arn)) {
      const lease = await acquireLease(derived, stream.label, shard.shardId, owner, settings.leaseMs);
      if (!lease) continue;
      try {
        let sequenceNumber = lease.sequenceNumber;
        let iterator = await shardIterator(streams, stream.arn, shard.shardId, sequenceNumber);
        let finished = false;
        while (iterator) {
          const batch = await readRecords(streams, iterator, 1000);
          sequenceNumber = batch.records.at(-1)?.dynamodb?.SequenceNumber ?? sequenceNumber;
          if (batch.next === undefined) finished = true;
          if (batch.records.length === 0) break;
          iterator = batch.next;
        }
        if (await saveCheckpoint(derived, stream.label, shard.shardId, owner, { sequenceNumber, finished }, settings.leaseMs)) moved++;
      } finally {
        await releaseLease(derived, stream.label, shard.shardId, owner);
      }
    }
    return moved;
  } finally {
    streams.destroy();
  }
}
