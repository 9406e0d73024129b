/**
 * A large fan-out does not hold the shard's other records back: it is stopped in the middle
 * (its second BatchWriteItem held at a gate) and a small author's later post is applied
 * meanwhile, while a record of the big author's own partition key (an unfollow) waits for it.
 * The checkpoint stays before the unfinished fan-out; the worker then dies mid fan-out, and a
 * new one leaves every feed exact. Order of events only: nothing here depends on timing.
 */
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { compareSequence } from '../../src/derived/records.js';
import { derivedDb, READER, readCheckpoint } from '../../src/derived/store/index.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import type { DocClient } from '../../src/engine/doc-client.js';
import { unfollowUser, uploadPhoto } from '../../src/patterns/index.js';
import { derivedKeys } from '../../src/schema/keys.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { authorWithFollowers, expectedEntries, feedEntries, streamRecords, until } from './support.js';
import { findStream } from '../../src/derived/stream.js';

// One BatchWriteItem (25 items) at a time: 61 entries are three requests, past one round, so detached.
const FOLLOWERS = 60;
const settings = { ...loadConfig({}).derived, fanoutConcurrency: 1, pollMs: 20, leaseMs: 3_000 };
const throttled = () => Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException' });

/** A client whose second BatchWriteItem of the big author's feed entries waits until the test opens (or fails) the gate. */
function gated(doc: DocClient) {
  let batches = 0;
  let reached = false;
  let open: (fail: boolean) => void = () => undefined;
  const gate = new Promise<void>((resolve, reject) => {
    open = (fail) => (fail ? reject(throttled()) : resolve());
  });
  gate.catch(() => undefined);
  const client: DocClient = {
    send: (async (command: unknown, ...rest: unknown[]) => {
      if (command instanceof BatchWriteCommand) {
        const requests = Object.values(command.input.RequestItems ?? {}).flat();
        if (requests.some((r) => r.PutRequest?.Item?.author === 'big') && ++batches === 2) {
          reached = true;
          await gate;
        }
      }
      return (doc.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    }) as DocClient['send'],
  };
  return { client, reached: () => reached, open: (fail: boolean) => open(fail) };
}

describe('a large fan-out in progress', () => {
  let db: TestDb;
  let bigFollowers: string[];
  let smallFollowers: string[];
  const workers: Worker[] = [];
  let gate: ReturnType<typeof gated> | undefined;

  beforeAll(async () => {
    db = await createTestDb();
    bigFollowers = await authorWithFollowers(db, 'big', FOLLOWERS, 'b');
    smallFollowers = await authorWithFollowers(db, 'small', 2, 's');
    const setup = createWorker({ client: db.client, db, settings, autoStart: false });
    await setup.drain(240_000);
    await setup.stop();
  }, 300_000);

  afterAll(async () => {
    // A failed run leaves the fan-out held: let it go, or stopping the worker waits for it.
    gate?.open(true);
    for (const worker of workers) await worker.stop();
    await db.drop();
  });

  it('lets a small author pass, keeps the big author order and the checkpoint, and ends exact after a crash', { timeout: 300_000 }, async () => {
    gate = gated(db.doc);
    const first = createWorker({ client: db.client, db: { ...db, doc: gate.client }, settings });
    workers.push(first);
    const derived = derivedDb(db);
    const leaver = bigFollowers[0]!;
    const followActivity = derivedKeys.followActivity('big', '2024-01-01T00:00:00', leaver);
    const activityExists = async () => (await derived.doc.send(new GetCommand({ TableName: derived.table, Key: followActivity }))).Item !== undefined;
    expect(await activityExists()).toBe(true);

    const big = await uploadPhoto(db, { username: 'big', location: 'file:///big.png' });
    await until(gate.reached, 120_000, 'the fan-out held at its second request');
    // Under the big author's partition key: must wait for the fan-out. Then a small author posts.
    await unfollowUser(db, leaver, 'big');
    const small = await uploadPhoto(db, { username: 'small', location: 'file:///small.png' });

    const smallExpected = expectedEntries(['small', ...smallFollowers], 'small', [small.timestamp]);
    await until(async () => {
      const entries = new Set(await feedEntries(db));
      return smallExpected.every((e) => entries.has(e));
    }, 120_000, "the small author's post in every follower's feed");
    // The small post is applied while the big fan-out is held: only its first request is written.
    const during = await feedEntries(db);
    const bigExpected = expectedEntries(['big', ...bigFollowers], 'big', [big.timestamp]);
    const bigWritten = during.filter((e) => bigExpected.includes(e));
    expect(bigWritten.length).toBe(25);
    // The unfollow, earlier in the stream than the small post but under the big author's key, waits.
    expect(await activityExists()).toBe(true);

    // The checkpoint has not passed the unfinished fan-out.
    const stream = (await findStream(db.client, db.table))!;
    const shards = await streamRecords(db.client, db.table);
    const [shardId, records] = [...shards.entries()].find(([, rs]) => rs.some((r) => r.dynamodb?.Keys?.SK?.S?.includes(big.timestamp)))!;
    const bigRecord = records.find((r) => r.eventName === 'INSERT' && r.dynamodb?.Keys?.PK?.S === 'USER#big' && r.dynamodb.Keys.SK?.S?.includes(big.timestamp))!;
    const checkpoint = await readCheckpoint(derived, READER, stream.label, shardId);
    expect(checkpoint.sequenceNumber).toBeDefined();
    expect(compareSequence(checkpoint.sequenceNumber!, bigRecord.dynamodb!.SequenceNumber!)).toBeLessThan(0);

    // The worker dies in the middle of the fan-out: its held request fails, and it stops without handing its lease back.
    const dying = first.abandon();
    gate.open(true);
    await dying;
    workers.splice(workers.indexOf(first), 1);
    expect((await feedEntries(db)).filter((e) => bigExpected.includes(e)).length).toBe(25);

    // While no worker runs, the small author posts again. A new worker replays from the checkpoint.
    const again = await uploadPhoto(db, { username: 'small', location: 'file:///again.png' });
    const second = createWorker({ client: db.client, db, settings });
    workers.push(second);
    await second.drain(240_000);

    const expected = [
      ...expectedEntries(['big', ...bigFollowers.slice(1)], 'big', [big.timestamp]),
      ...expectedEntries(['small', ...smallFollowers], 'small', [small.timestamp, again.timestamp]),
    ];
    const actual = await feedEntries(db);
    expect(actual.length).toBe(expected.length);
    expect(new Set(actual)).toEqual(new Set(expected));
    expect(await activityExists()).toBe(false);
  });
});

/** A gate the test opens (or fails, as a throttled engine would). */
function latch() {
  let open: (fail: boolean) => void = () => undefined;
  const promise = new Promise<void>((resolve, reject) => {
    open = (fail) => (fail ? reject(throttled()) : resolve());
  });
  promise.catch(() => undefined);
  return { promise, open };
}

const isFeedPut = (command: unknown, author: string): boolean =>
  command instanceof BatchWriteCommand &&
  Object.values(command.input.RequestItems ?? {})
    .flat()
    .some((r) => r.PutRequest?.Item?.author === author && String(r.PutRequest.Item.PK).startsWith('FEED#'));

/**
 * The worker's client, watching the wide author's fan-out. Its first round of BatchWriteItem
 * waits until the small author's record makes its first request (the window opens); from then
 * on each of its starts is logged with the number of its requests in flight at that moment, and
 * from the third start on they are held (`later`). The small author's own feed write waits
 * until the second of them has ended: the small record is applied while the fan-out has those
 * chances to send more.
 */
function watched(doc: DocClient) {
  const log = { inFlight: 0, window: false, startsInWindow: [] as number[] };
  const windowOpen = latch();
  const smallWrite = latch();
  const later = latch();
  const client: DocClient = {
    send: (async (command: unknown, ...rest: unknown[]) => {
      const forward = () => (doc.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
      if (isFeedPut(command, 'wide')) {
        const before = log.inFlight++;
        const start = log.window ? log.startsInWindow.push(before) : 0;
        try {
          if (start === 0) await windowOpen.promise;
          else if (start > 2) await later.promise;
          return await forward();
        } finally {
          log.inFlight--;
          if (start === 2) smallWrite.open(false);
        }
      }
      if (!log.window && JSON.stringify((command as { input?: unknown }).input ?? {}).includes('small')) {
        log.window = true;
        windowOpen.open(false);
      }
      if (isFeedPut(command, 'small')) await smallWrite.promise;
      return forward();
    }) as DocClient['send'],
  };
  return { client, log, later };
}

describe('a small record applied during a large fan-out', () => {
  // 301 entries: 13 BatchWriteItem, 4 in flight at once; past one round, so detached.
  const WIDE = 300;
  const wideSettings = { ...settings, fanoutConcurrency: 4 };
  let db: TestDb;
  let wideFollowers: string[];
  let smallFollowers: string[];
  const workers: Worker[] = [];
  let watch: ReturnType<typeof watched> | undefined;

  beforeAll(async () => {
    db = await createTestDb();
    wideFollowers = await authorWithFollowers(db, 'wide', WIDE, 'w');
    smallFollowers = await authorWithFollowers(db, 'small', 2, 's');
    // The set-up's records need no view here: the reader's checkpoint just moves past them.
    const skip = createWorker({ client: db.client, db, settings, autoStart: false, views: [{ name: 'feed', apply: () => Promise.resolve() }] });
    await skip.drain(240_000);
    await skip.stop();
  }, 300_000);

  afterAll(async () => {
    watch?.later.open(true);
    for (const worker of workers) await worker.stop();
    await db.drop();
  });

  it('has the fan-out keep one request in flight until the small record is applied, and ends exact after a crash', { timeout: 300_000 }, async () => {
    watch = watched(db.doc);
    const first = createWorker({ client: db.client, db: { ...db, doc: watch.client }, settings: wideSettings });
    workers.push(first);
    const { log } = watch;

    const wide = await uploadPhoto(db, { username: 'wide', location: 'file:///wide.png' });
    await until(() => log.inFlight === wideSettings.fanoutConcurrency, 120_000, "the fan-out's first round in flight");
    const small = await uploadPhoto(db, { username: 'small', location: 'file:///small.png' });
    const smallExpected = expectedEntries(['small', ...smallFollowers], 'small', [small.timestamp]);
    await until(async () => {
      const entries = new Set(await feedEntries(db));
      return smallExpected.every((e) => entries.has(e));
    }, 120_000, "the small author's post in every follower's feed");

    // While the small record ran, each new request of the fan-out started with none other in
    // flight: its other senders paused. (Without the priority, the first start after the first
    // round saw the other three in flight.)
    expect(log.startsInWindow.slice(0, 2)).toEqual([0, 0]);
    // The small record overtook the fan-out: six of its 13 requests are written, the next held.
    const wideExpected = expectedEntries(['wide', ...wideFollowers], 'wide', [wide.timestamp]);
    expect((await feedEntries(db)).filter((e) => wideExpected.includes(e)).length).toBe(6 * 25);

    // The worker dies mid fan-out (its held requests fail); a new one replays from the checkpoint.
    const dying = first.abandon();
    watch.later.open(true);
    await dying;
    workers.splice(workers.indexOf(first), 1);
    expect((await feedEntries(db)).filter((e) => wideExpected.includes(e)).length).toBe(6 * 25);
    const second = createWorker({ client: db.client, db, settings: wideSettings });
    workers.push(second);
    await second.drain(240_000);

    const actual = await feedEntries(db);
    expect(new Set(actual)).toEqual(new Set([...wideExpected, ...smallExpected]));
    expect(actual.length).toBe(wideExpected.length + smallExpected.length);
  });
});
