/** Shared set-up of the derived-data tests: an author with followers, feed entries read back. */
import { readFileSync } from 'node:fs';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { DerivedView } from '../../src/derived/apply.js';
import { toChange } from '../../src/derived/records.js';
import { batchWrite, derivedDb } from '../../src/derived/store/index.js';
import { createStreamsClient, findStream, listShards, readRecords, shardIterator, type StreamRecord } from '../../src/derived/stream.js';
import type { DocClient } from '../../src/engine/doc-client.js';
import type { Db } from '../../src/patterns/db.js';
import { Friendship, User } from '../../src/schema/entities/index.js';
import { derivedKeys, derivedRanges } from '../../src/schema/keys.js';
import { waitFor } from '../support/wait.js';

export const userItem = (username: string, followers: number, following: number) =>
  User.encode({ username, name: `User ${username}`, email: `${username}@example.com`, birthdate: '1990-01-01', address: '', status: '', interests: [], followers, following });

/** `author` and its followers f000...: users and friendships written directly (no stream-visible order needed). */
export async function authorWithFollowers(db: Db, author: string, count: number, prefix = 'f'): Promise<string[]> {
  const followers = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
  await batchWrite(db, [
    { put: { ...userItem(author, count, 0) } },
    ...followers.flatMap((f) => [{ put: { ...userItem(f, 0, 1) } }, { put: { ...Friendship.encode({ followedUser: author, followingUser: f, timestamp: '2024-01-01T00:00:00' }) } }]),
  ]);
  return followers;
}

/** Every feed entry in the derived table, as "PK SK" (a test-only Scan). */
export async function feedEntries(db: Db): Promise<string[]> {
  const derived = derivedDb(db);
  const found: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await derived.doc.send(
      new ScanCommand({ TableName: derived.table, FilterExpression: 'begins_with(PK, :feed)', ExpressionAttributeValues: { ':feed': 'FEED#' }, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) found.push(`${String(item.PK)} ${String(item.SK)}`);
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

/** The feed entries a photo should have: one per reader. */
export function expectedEntries(readers: string[], author: string, timestamps: string[]): string[] {
  return readers.flatMap((reader) => timestamps.map((t) => derivedKeys.feedEntry(reader, author, t)).map((k) => `${k.PK} ${k.SK}`));
}

export async function feedOf(db: Db, reader: string): Promise<string[]> {
  const derived = derivedDb(db);
  const result = await derived.doc.send(
    new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.feed(reader).pk }, ScanIndexForward: false }),
  );
  return (result.Items ?? []).map((i) => String(i.SK));
}

/** A client that runs `before` ahead of every request of the named command, or of every one for '*' (fault injection on a real engine). */
export function intercept(doc: DocClient, command: string, before: (command: string) => Promise<void> | void): DocClient {
  return {
    send: (async (cmd: { constructor: { name: string } }, ...rest: unknown[]) => {
      if (command === '*' || cmd.constructor.name === command) await before(cmd.constructor.name);
      return (doc.send as (...args: unknown[]) => Promise<unknown>)(cmd, ...rest);
    }) as DocClient['send'],
  };
}

/** Waits for a condition, polling (test/support/wait.ts); throws after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  await waitFor(condition, { what, timeoutMs, intervalMs: 20 });
}

/**
 * Every record of a table's stream as it stands, per shard in order (GetRecords from the
 * trim horizon until each shard is at its end): the real records the worker and Lambda get.
 */
export async function streamRecords(client: DynamoDBClient, table: string): Promise<Map<string, StreamRecord[]>> {
  const streams = createStreamsClient(client);
  try {
    const stream = await findStream(client, table);
    if (!stream) throw new Error(`${table} has no stream`);
    const found = new Map<string, StreamRecord[]>();
    for (const shard of await listShards(streams, stream.arn)) {
      const records: StreamRecord[] = [];
      let iterator = await shardIterator(streams, stream.arn, shard.shardId, undefined);
      while (iterator) {
        const batch = await readRecords(streams, iterator, 1000);
        records.push(...batch.records);
        if (batch.records.length === 0) break;
        iterator = batch.next;
      }
      found.set(shard.shardId, records);
    }
    return found;
  } finally {
    streams.destroy();
  }
}

/**
 * Every record of the table's stream applied again to `views`, shard by shard in stream order,
 * as a worker restarted from an old checkpoint (or Lambda re-delivering) would: how the replay
 * tests prove a view idempotent. Answers how many records were replayed.
 */
export async function replayStream(db: { client: DynamoDBClient; table: string }, views: readonly DerivedView[]): Promise<number> {
  let replayed = 0;
  for (const records of (await streamRecords(db.client, db.table)).values()) {
    for (const record of records) {
      replayed += 1;
      const change = toChange(record);
      if (change) for (const view of views) await view.apply(change);
    }
  }
  return replayed;
}

/**
 * A deterministic slice of the lab's reference items (`file`: REFERENCE_ITEMS): every user and follow, each user's newest
 * `photosPerUser` photos and pinned photo, and every reaction to those; counters and references
 * still hold. About a third of the items and a tenth of the photos (so of the fan-out writes):
 * for files that need the reference's shape derived or paged through, not all of it.
 */
export function referenceSlice(file: string, photosPerUser = 2): string[] {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  const items = lines.map((line) => JSON.parse(line) as { PK: string; SK: string; pinnedImage?: string });
  const photos = new Map<string, string[]>();
  for (const item of items) {
    if (item.PK.startsWith('USER#') && item.SK.startsWith('PHOTO#')) photos.set(item.PK, [...(photos.get(item.PK) ?? []), item.SK]);
  }
  const kept = new Set([...photos.values()].flatMap((sks) => sks.sort().slice(-photosPerUser)));
  for (const item of items) if (item.pinnedImage) kept.add(item.pinnedImage);
  return lines.filter((_, i) => !items[i]!.SK.startsWith('PHOTO#') || kept.has(items[i]!.SK));
}
