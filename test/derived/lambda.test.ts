/**
 * The Lambda handler with real records: writes to DynamoDB Local, its stream read with
 * GetRecords, wrapped in the DynamoDBStreamEvent shape Lambda delivers (JSON, batches of at
 * most 100). A failure at record k answers batchItemFailures from k on (nothing after it
 * applied out of order); re-delivery applies the rest, and delivering a batch again changes
 * nothing.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import type { DerivedView } from '../../src/derived/apply.js';
import { listDeadLetters } from '../../src/derived/dead-letters.js';
import { createStreamHandler } from '../../src/derived/lambda.js';
import { compareSequence } from '../../src/derived/records.js';
import { derivedDb } from '../../src/derived/store/index.js';
import type { StreamRecord } from '../../src/derived/stream.js';
import { buildViews } from '../../src/derived/worker.js';
import { errors } from '../../src/errors.js';
import { followUser, unfollowUser, uploadPhoto } from '../../src/patterns/index.js';
import { observeCalls } from '../../src/engine/observe.js';
import { createLogger } from '../../src/log.js';
import { keys } from '../../src/schema/keys.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { authorWithFollowers, expectedEntries, feedEntries, feedOf, streamRecords, userItem } from './support.js';

const settings = loadConfig({}).derived;
let db: TestDb;
let seen: string | undefined;

/** Every stream record after the last one returned before (all shards, GetRecords until each is at its end). */
async function newRecords(): Promise<StreamRecord[]> {
  const found = [...(await streamRecords(db.client, db.table)).values()].flat();
  const after = found.filter((r) => seen === undefined || compareSequence(r.dynamodb!.SequenceNumber!, seen) > 0);
  after.sort((a, b) => compareSequence(a.dynamodb!.SequenceNumber!, b.dynamodb!.SequenceNumber!));
  seen = after.at(-1)?.dynamodb?.SequenceNumber ?? seen;
  return after;
}

/** What Lambda hands the function: JSON, epoch-second times, at most `size` records. */
function events(records: StreamRecord[], size = 100): DynamoDBStreamEvent[] {
  const batches: DynamoDBStreamEvent[] = [];
  for (let i = 0; i < records.length; i += size) {
    const Records = records.slice(i, i + size).map((r) => ({
      eventID: r.eventID,
      eventName: r.eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'us-east-1',
      eventSourceARN: 'arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/x',
      dynamodb: { ...r.dynamodb, ApproximateCreationDateTime: Math.floor((r.dynamodb?.ApproximateCreationDateTime?.getTime() ?? Date.now()) / 1000) },
    }));
    batches.push(JSON.parse(JSON.stringify({ Records })) as DynamoDBStreamEvent);
  }
  return batches;
}

/** The main-table reads each event's delivery sends: how many, and how many distinct questions (each invocation's own). */
async function mainTableReads(deliver: (event: DynamoDBStreamEvent) => Promise<unknown>, batches: DynamoDBStreamEvent[]): Promise<{ sent: number; distinct: number }> {
  let asked: string[] = [];
  const stop = observeCalls(db.lean!, {
    before: (operation, input) => {
      const tables = [input.TableName, ...Object.keys((input.RequestItems as object | undefined) ?? {})];
      if (['GetItem', 'Query', 'BatchGetItem'].includes(operation) && tables.includes(db.table)) asked.push(`${operation} ${JSON.stringify(input)}`);
      return input;
    },
  });
  let sent = 0;
  let distinct = 0;
  try {
    for (const event of batches) {
      asked = [];
      await deliver(event);
      sent += asked.length;
      distinct += new Set(asked).size;
    }
  } finally {
    stop();
  }
  return { sent, distinct };
}

/** A context with `ms` left before the function's timeout. */
const context = (ms: number) => ({ getRemainingTimeInMillis: () => ms - (Date.now() - started), awsRequestId: 'test' }) as unknown as Context & { started?: number };
let started = Date.now();
const fresh = (ms = 60_000) => {
  started = Date.now();
  return context(ms);
};

/** The derived table without the TTL attribute (rewritten on every apply), the worker's own items and the event log. */
async function snapshot(): Promise<string[]> {
  const derived = derivedDb(db);
  const rows: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await derived.doc.send(new ScanCommand({ TableName: derived.table, ExclusiveStartKey: start }));
    for (const { expiresAt: _ttl, updatedAt: _at, ...item } of page.Items ?? []) {
      // The event log is a wake-up for open streams, logged again by a redelivery; streams send by item key, never twice.
      if (!String(item.PK).startsWith('EVENTS#')) rows.push(JSON.stringify(Object.entries(item).sort()));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return rows.sort();
}

let followers: string[];
beforeAll(async () => {
  db = await createTestDb();
  followers = await authorWithFollowers(db, 'author', 150);
}, 60_000);

afterAll(async () => {
  await db.drop();
});

describe('the Lambda handler on real stream records', () => {
  it('applies the set-up in batches of 100 with no failures, each distinct main-table read once an invocation', { timeout: 120_000 }, async () => {
    // Views the handler builds share their main-table reads within an invocation (src/derived/store/read-once.ts).
    const handler = createStreamHandler({ db, views: (on) => buildViews(on, settings) });
    const batches = events(await newRecords());
    expect(batches.length).toBeGreaterThan(2);
    const shared = await mainTableReads(async (event) => expect(await handler(event, fresh())).toEqual({ batchItemFailures: [] }), batches);
    // Delivered again (changing nothing) to views that read for themselves: the same questions, each
    // asked per record (300 reads here, against 8).
    const own = createStreamHandler({ db, views: buildViews(db, settings) });
    const unshared = await mainTableReads(async (event) => expect(await own(event, fresh())).toEqual({ batchItemFailures: [] }), batches);
    expect(shared.sent).toBe(shared.distinct);
    expect(unshared.distinct).toBe(shared.distinct);
    expect(unshared.sent).toBeGreaterThan(2 * shared.sent);

    const photo = await uploadPhoto(db, { username: 'author', location: 'file:///0.png' });
    for (const event of events(await newRecords())) expect(await handler(event, fresh())).toEqual({ batchItemFailures: [] });
    expect(new Set(await feedEntries(db))).toEqual(new Set(expectedEntries(['author', ...followers], 'author', [photo.timestamp])));
  });

  it('a failure at record k answers k and every later record; re-delivery applies them; again changes nothing', { timeout: 120_000 }, async () => {
    const photo = await uploadPhoto(db, { username: 'author', location: 'file:///1.png' });
    await unfollowUser(db, followers[0]!, 'author');
    await followUser(db, 'f001', 'f002');
    const records = await newRecords();
    const [event] = events(records);
    const sequences = event!.Records.map((r: DynamoDBRecord) => r.dynamodb!.SequenceNumber!);
    // Fail (transiently, for longer than the invocation has) at the unfollow: record k.
    const k = event!.Records.findIndex((r) => r.eventName === 'REMOVE');
    expect(k).toBeGreaterThan(0);
    const real = buildViews(db, settings);
    // The invocation's time runs out once record k has been tried, not after a wall-clock budget:
    // on a busy machine the records before k may take any time, and must still all be applied.
    let throttledOnce = false;
    const throttled: DerivedView = {
      name: 'feed',
      apply: (change) => {
        if (change.event !== 'REMOVE') return real[0]!.apply(change);
        throttledOnce = true;
        return Promise.reject(errors.throttled());
      },
    };
    const failing = createStreamHandler({ db, views: [throttled, ...real.slice(1)], marginMs: 1_000 });
    const runningOut = { getRemainingTimeInMillis: () => (throttledOnce ? 0 : 60_000), awsRequestId: 'test' } as unknown as Context;
    const answer = await failing(event!, runningOut);
    expect(answer.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(sequences.slice(k));
    // Before k: applied (the photo fanned out); from k: not (the unfollower still has the author's older photo).
    expect(await feedOf(db, followers[1]!)).toContain(`${photo.timestamp}#author`);
    expect((await feedOf(db, followers[0]!)).some((sk) => sk.endsWith('#author'))).toBe(true);

    // Lambda retries from k.
    const handler = createStreamHandler({ db, views: real });
    const retry = { Records: event!.Records.slice(k) };
    expect(await handler(retry, fresh())).toEqual({ batchItemFailures: [] });
    expect((await feedOf(db, followers[0]!)).some((sk) => sk.endsWith('#author'))).toBe(false);
    const once = await snapshot();
    // Delivered again, whole: the same derived data.
    expect(await handler(event!, fresh())).toEqual({ batchItemFailures: [] });
    expect(await snapshot()).toEqual(once);
  });

  it('a record it cannot decode goes to the stream\'s dead letters, as the worker sets it aside: not back to Lambda, and the records after it are applied', { timeout: 120_000 }, async () => {
    // DynamoDB keeps 38 digits; the unmarshaller refuses a fraction past 2^53. Lambda would
    // retry such a record until its retries ran out, every later record of the shard waiting.
    await db.client.send(new PutItemCommand({ TableName: db.table, Item: { ...marshall(userItem('bignumber', 0, 0), { removeUndefinedValues: true }), score: { N: '12345678901234567.5' } } }));
    const photo = await uploadPhoto(db, { username: 'author', location: 'file:///2.png' });
    // The processes' logger (src/log.ts), its lines kept: the cause must reach the logs whole.
    const lines: string[] = [];
    const logger = createLogger({ destination: { write: (line: string) => void lines.push(line) } });
    const handler = createStreamHandler({ db, views: (on) => buildViews(on, settings), logger });
    for (const event of events(await newRecords())) expect(await handler(event, fresh())).toEqual({ batchItemFailures: [] });
    const letters = await listDeadLetters(derivedDb(db), ['stream']);
    expect(letters.map((l) => l.change.key.PK)).toEqual([expect.stringContaining(keys.user('bignumber').PK)]);
    const logged = lines.map((line) => JSON.parse(line) as { msg: string; err?: { type: string; message: string; stack: string } });
    const err = logged.find((l) => l.msg.includes('not decodable'))?.err;
    expect(err?.type).toBe('Error');
    expect(err?.message).toMatch(/12345678901234567\.5/);
    expect(err?.stack).toMatch(/at /);
    expect(await feedOf(db, followers[1]!)).toContain(`${photo.timestamp}#author`);
  });
});
