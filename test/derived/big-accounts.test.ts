/**
 * A reader following 25 authors above the fan-out threshold sees every one of them, newest
 * first, across pages, in a flat number of requests: Query feed (the entries and the list of
 * big authors, or the cursor carries it) + one BatchGetItem of their RECENT items + one
 * BatchGetItem of content and viewer state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { batchWrite, derivedDb } from '../../src/derived/store/index.js';
import { createWorker } from '../../src/derived/worker.js';
import { getFeed } from '../../src/patterns/feed.js';
import { postComment } from '../../src/patterns/index.js';
import { Friendship, Photo } from '../../src/schema/entities/index.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { findMissing } from '../../src/admin/rebuild-derived.js';
import { BIG_AUTHOR_ATTRIBUTE, derivedKeys } from '../../src/schema/keys.js';
import { intercept, userItem } from './support.js';

const BIG = 25;
const settings = { ...loadConfig({}).derived, fanoutThreshold: 2 };
const authors = Array.from({ length: BIG }, (_, i) => `big${String(i).padStart(2, '0')}`);
let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  // Threshold 2: each author, followed by the reader and one other, is a "celebrity".
  await batchWrite(db, [
    { put: { ...userItem('reader', 0, BIG) } },
    { put: { ...userItem('other', 0, BIG) } },
    ...authors.map((a) => ({ put: { ...userItem(a, 2, 0) } })),
    ...authors.flatMap((a) => ['reader', 'other'].map((f) => ({ put: { ...Friendship.encode({ followedUser: a, followingUser: f, timestamp: '2024-01-01T00:00:00' }) } }))),
  ]);
  // One photo each, a minute apart, newest for big24.
  await batchWrite(db, [
    ...authors.map((a, i) => ({
      put: { ...Photo.encode({ username: a, timestamp: `2026-01-01T00:${String(i + 10).padStart(2, '0')}:00`, location: 'file:///p.png', reactions: { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 } }) },
    })),
  ]);
  // 'other' comments on every photo: each page's previews are by a third party the page does not read.
  for (const [i, a] of authors.entries()) await postComment(db, { author: 'other', photoOwner: a, photoTimestamp: `2026-01-01T00:${String(i + 10).padStart(2, '0')}:00`, text: 'nice' });
  const worker = createWorker({ client: db.client, db, settings, autoStart: false });
  await worker.drain(120_000);
  await worker.stop();
}, 180_000);

afterAll(async () => {
  await db.drop();
});

describe('a reader following 25 big accounts', () => {
  it('sees all 25, newest first, page after page, each page in 3 requests', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let sends = 0;
    const counted = { ...db, doc: intercept(db.patterns, '*', () => void sends++) };
    do {
      sends = 0;
      const page = await getFeed(counted, 'reader', { limit: 10, ...(cursor ? { cursor } : {}) });
      // The feed's Query, the big authors' lists, the page's batch (the comment summaries ride on
      // the photos; a third party's previews are decided from the batch, with no read of its own).
      expect(sends).toBeLessThanOrEqual(3);
      expect(page.items.every((i) => i.comments.previews.some((p) => p.author === 'other'))).toBe(true);
      seen.push(...page.items.map((i) => i.author.username));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...authors].reverse());
  });

  it('doctor finds a big author missing from the reader\'s list and rewrites the list', async () => {
    const derived = derivedDb(db);
    await derived.doc.send(
      new UpdateCommand({ TableName: derived.table, Key: derivedKeys.feedBigAuthors('reader'), UpdateExpression: 'REMOVE #a', ExpressionAttributeNames: { '#a': `${BIG_AUTHOR_ATTRIBUTE}big07` } }),
    );
    const authorsSeen = async () => {
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await getFeed(db, 'reader', { limit: 10, ...(cursor ? { cursor } : {}) });
        seen.push(...page.items.map((i) => i.author.username));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    };
    expect(await authorsSeen()).not.toContain('big07');
    const report = await findMissing(db, settings, { views: ['feed'], fix: true });
    expect(report.missing.map((m) => m.key)).toContainEqual(derivedKeys.feedBigAuthors('reader'));
    expect(await authorsSeen()).toEqual([...authors].reverse());
  });
});
