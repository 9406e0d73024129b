/**
 * The sample data's derived items built directly at load time are exactly what the worker
 * builds by replaying the load's stream records: the same sample loaded into two tables, one
 * derived directly, the other by a worker from its stream, compared item by item. After the
 * direct build every checkpoint is at the stream's latest record: the worker has no backlog.
 * The direct build asks the main table each distinct question once.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSampleData } from '../../src/admin/seed.js';
import { loadConfig } from '../../src/config/index.js';
import { derivedDb, readCheckpoint, READER } from '../../src/derived/store/index.js';
import { checkpointAtLatest, deriveLoaded } from '../../src/admin/derive-initial.js';
import { createStreamsClient, findStream, listShards, readRecords, shardIterator } from '../../src/derived/stream.js';
import { buildViews, createWorker } from '../../src/derived/worker.js';
import { attachMetrics, requestCounts } from '../../src/engine/metrics.js';
import { createTestDb, type TestDb } from '../support/db.js';

// A threshold the sample's most-followed authors reach: both fan-out and merged authors occur.
const settings = { ...loadConfig({}).derived, fanoutThreshold: 6, pollMs: 20 };
// Seven users: followers 4 to 6 each, so authors on both sides of the threshold (two at 6, five
// below); 204 items prove the same as 14 users' 560 did.
const SAMPLE = { users: 7, seed: 7 };
let direct: TestDb;
let replayed: TestDb;

/** The derived items, without the TTL attribute (set from the clock), the worker's own items and the event log (a wake-up for open streams, not derived state). */
async function snapshot(db: TestDb): Promise<string[]> {
  const derived = derivedDb(db);
  const rows: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await derived.doc.send(new ScanCommand({ TableName: derived.table, ExclusiveStartKey: start }));
    for (const { expiresAt: _ttl, ...item } of page.Items ?? []) {
      if (/^(CHECKPOINT|WORKER|DEADLETTER|EVENTS)/.test(String(item.PK))) continue;
      rows.push(JSON.stringify(Object.entries(item).sort()));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return rows.sort();
}

async function lastSequences(db: TestDb): Promise<Map<string, string | undefined>> {
  const streams = createStreamsClient(db.client);
  try {
    const stream = await findStream(db.client, db.table);
    const last = new Map<string, string | undefined>();
    for (const shard of await listShards(streams, stream!.arn)) {
      let iterator = await shardIterator(streams, stream!.arn, shard.shardId, undefined);
      let seq: string | undefined;
      while (iterator) {
        const batch = await readRecords(streams, iterator, 1000);
        seq = batch.records.at(-1)?.dynamodb?.SequenceNumber ?? seq;
        if (batch.records.length === 0) break;
        iterator = batch.next;
      }
      last.set(shard.shardId, seq);
    }
    return last;
  } finally {
    streams.destroy();
  }
}

beforeAll(async () => {
  [direct, replayed] = await Promise.all([createTestDb(), createTestDb()]);
  await Promise.all([seedSampleData(direct.doc, direct.table, SAMPLE), seedSampleData(replayed.doc, replayed.table, SAMPLE)]);
}, 120_000);

afterAll(async () => {
  await Promise.all([direct.drop(), replayed.drop()]);
});

describe('deriving a bulk load directly', () => {
  it('builds exactly what the worker builds from the stream, and leaves the worker no backlog', { timeout: 240_000 }, async () => {
    const metrics = attachMetrics(direct.lean!);
    const applied = await deriveLoaded(direct, (on) => buildViews(on, settings, { events: false }));
    const { Scan, GetItem, Query } = requestCounts(metrics.snapshot());
    metrics.detach();
    expect(applied).toBeGreaterThan(100);
    // One Scan, and each distinct main-table read once (src/derived/store/read-once.ts): an
    // author's follower count and followers, a user's state. Asked for every item, they were 128 each.
    expect({ Scan, GetItem, Query }).toEqual({ Scan: 1, GetItem: 12, Query: 16 });
    expect(await checkpointAtLatest(direct.client, direct, settings)).toBeGreaterThan(0);

    const worker = createWorker({ client: replayed.client, db: replayed, settings, autoStart: false });
    await worker.drain(200_000);
    await worker.stop();

    const [mine, theirs] = await Promise.all([snapshot(direct), snapshot(replayed)]);
    expect(mine.some((row) => row.includes('"FEED#'))).toBe(true);
    expect(mine.some((row) => row.includes('"RECENT#'))).toBe(true);
    expect(mine.some((row) => row.includes('"FEEDSRC#'))).toBe(true);
    expect(mine.some((row) => row.includes('"ACTIVITY#'))).toBe(true);
    expect(mine).toEqual(theirs);

    // Every shard's checkpoint is the stream's last record: a worker starting now applies nothing old.
    const stream = await findStream(direct.client, direct.table);
    for (const [shardId, seq] of await lastSequences(direct)) {
      expect((await readCheckpoint(derivedDb(direct), READER, stream!.label, shardId)).sequenceNumber).toBe(seq);
    }
    const late = createWorker({ client: direct.client, db: direct, settings, autoStart: false });
    await late.drain();
    await late.stop();
    expect(late.status().views.map((v) => v.processed)).toEqual(late.status().views.map(() => 0));
  });
});
