/**
 * Comment previews on list pages by third parties (neither the viewer nor the photo's owner),
 * on DynamoDB Local with the real worker: hidden for a block either way, a suspended or
 * departing author, a private author the viewer does not follow, all decided from what the page
 * reads (the author's status the comment-summary view stored on the preview, the viewer's block
 * names on their own item), so the page costs its budget whoever wrote the previews.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditComments } from '../src/admin/comment-doctor.js';
import { loadConfig } from '../src/config/index.js';
import { derivedDb } from '../src/derived/store/index.js';
import { commentSummaryView } from '../src/derived/views/comment-summary.js';
import { createWorker, type Worker } from '../src/derived/worker.js';
import type { Db } from '../src/patterns/db.js';
import {
  blockUser,
  createUser,
  finishDeletion,
  followUser,
  getExplore,
  getFeed,
  getTagPhotos,
  listPhotosForViewer,
  postComment,
  setPrivate,
  startAccountDeletion,
  suspendUser,
  unblockUser,
  unsuspendUser,
  updateCaption,
  uploadPhoto,
  viewOf,
} from '../src/patterns/index.js';
import { visiblePreviews } from '../src/patterns/comment-counts.js';
import { BLOCK_NAMES_MAX } from '../src/patterns/safety/blocks.js';
import { EXPLORE_SHARDS, keys } from '../src/schema/keys.js';
import { intercept, replayStream } from './derived/support.js';
import { createTestDb, type TestDb } from './support/db.js';

const settings = { ...loadConfig({}).derived, pollMs: 50 };
const AUTHORS = ['pal', 'sus', 'priv', 'blocked', 'blocker', 'gone'] as const;
type Author = (typeof AUTHORS)[number];
let db: TestDb;
let worker: Worker;
/** One photo of owner's per author, that author's comment its only preview. */
const photos = {} as Record<Author, { username: string; timestamp: string }>;

const user = (username: string) => createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '2000-01-01' });

const OPERATIONS: Record<string, string> = { BatchGetCommand: 'BatchGetItem', GetCommand: 'GetItem', QueryCommand: 'Query' };

/** The requests `action` sends, by operation. */
async function requestsOf(action: (db: Db) => Promise<unknown>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const count = (command: string) => {
    const operation = OPERATIONS[command] ?? command;
    counts[operation] = (counts[operation] ?? 0) + 1;
  };
  await action({ ...db, doc: intercept(db.doc, '*', count) });
  return counts;
}

/** The preview authors the viewer's feed shows under each author's photo. */
async function feedPreviews(viewer = 'viewer', on: Db = db): Promise<Record<Author, string[]>> {
  const page = await getFeed(on, viewer, { limit: 16 });
  return Object.fromEntries(AUTHORS.map((a) => [a, page.items.find((i) => i.photo.timestamp === photos[a].timestamp)?.comments.previews.map((p) => p.author) ?? []])) as Record<Author, string[]>;
}

const photoItem = async (a: Author) => (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.photo('owner', photos[a].timestamp), ConsistentRead: true }))).Item;

beforeAll(async () => {
  db = await createTestDb();
  for (const username of ['owner', 'viewer', ...AUTHORS]) await user(username);
  await followUser(db, 'viewer', 'owner');
  for (const author of AUTHORS) {
    photos[author] = await uploadPhoto(db, { username: 'owner', location: `file:///${author}.png` });
    await updateCaption(db, 'owner', photos[author].timestamp, `by ${author} #previews`);
    await postComment(db, { author, photoOwner: 'owner', photoTimestamp: photos[author].timestamp, text: `from ${author}` });
  }
  worker = createWorker({ client: db.client, db, settings });
  await worker.drain();
});

afterAll(async () => {
  await worker.stop();
  await db.drop();
});

describe("third parties' comment previews on list pages", () => {
  it('show, with the author open on the stored preview, at the pages\' budget: no read of the authors', async () => {
    expect(await feedPreviews()).toEqual({ pal: ['pal'], sus: ['sus'], priv: ['priv'], blocked: ['blocked'], blocker: ['blocker'], gone: ['gone'] });
    // The feed: Query + BatchGetItem (content, viewer state, the viewer's item); no big accounts.
    expect(await requestsOf((on) => getFeed(on, 'viewer', { limit: 16 }))).toEqual({ Query: 1, BatchGetItem: 1 });
    expect(await requestsOf((on) => getTagPhotos(on, 'viewer', 'previews'))).toEqual({ Query: 1, BatchGetItem: 1 });
    // Explore (pal follows nobody): its shards' Queries + one BatchGetItem, previews by others included.
    const explore = await getExplore(db, 'pal');
    expect(explore.items.flatMap((i) => i.comments.previews.map((p) => p.author))).toEqual(expect.arrayContaining(['sus', 'priv']));
    expect(await requestsOf((on) => getExplore(on, 'pal'))).toEqual({ Query: EXPLORE_SHARDS, BatchGetItem: 1 });
    // A user's photos after the guard's read (viewOf: it gave the viewer's blocks): Query + BatchGetItem.
    const view = await viewOf(db, 'owner', 'viewer');
    const blocks = { blocking: view.viewerBlocking, blockedBy: view.viewerBlockedBy, ...(view.viewerBlockNames ? { names: view.viewerBlockNames } : {}) };
    expect(await requestsOf((on) => listPhotosForViewer(on, 'viewer', 'owner', { limit: 12 }, blocks))).toEqual({ Query: 1, BatchGetItem: 1 });
    // One's own photos: the viewer's item rides in the reactions' batch.
    expect(await requestsOf((on) => listPhotosForViewer(on, 'owner', 'owner', { limit: 12 }))).toEqual({ Query: 1, BatchGetItem: 1 });
    expect((await photoItem('pal'))?.commentPreviews).toEqual([expect.objectContaining({ author: 'pal', authorOpen: true })]);
  });

  it('hide for a block either way, from the names on the viewer\'s item: still no read of their own', async () => {
    await blockUser(db, 'viewer', 'blocked');
    await blockUser(db, 'blocker', 'viewer');
    expect(await requestsOf((on) => getFeed(on, 'viewer', { limit: 16 }))).toEqual({ Query: 1, BatchGetItem: 1 });
    const viewerItem = (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user('viewer') }))).Item;
    expect(viewerItem).toMatchObject({ blocking: 1, blockedBy: 1, blockingNames: new Set(['blocked']), blockedByNames: new Set(['blocker']) });
    const shown = await feedPreviews();
    expect(shown.blocked).toEqual([]);
    expect(shown.blocker).toEqual([]);
    expect(shown.pal).toEqual(['pal']);
    expect((await getTagPhotos(db, 'viewer', 'previews')).items.flatMap((i) => i.comments.previews.map((p) => p.author))).not.toContain('blocked');
    const view = await viewOf(db, 'owner', 'viewer');
    expect(view.viewerBlockNames).toEqual({ blocking: new Set(['blocked']), blockedBy: new Set(['blocker']) });
    const blocks = { blocking: view.viewerBlocking, blockedBy: view.viewerBlockedBy, names: view.viewerBlockNames! };
    const own = await requestsOf(async (on) => {
      const page = await listPhotosForViewer(on, 'viewer', 'owner', { limit: 12 }, blocks);
      expect(page.items.flatMap((i) => i.comments.previews.map((p) => p.author)).sort()).toEqual(['gone', 'pal', 'priv', 'sus']);
    });
    expect(own).toEqual({ Query: 1, BatchGetItem: 1 });
    // The others' side: the blocked and the blocker do not see the viewer's previews either (none here), and see the rest.
    expect((await feedPreviews('owner')).blocked).toEqual(['blocked']);
  });

  it('past the names the item keeps (or on an item from before them), read the block items: one request more, the same answer', async () => {
    const before = await feedPreviews();
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.user('viewer'), UpdateExpression: 'SET blocking = :n', ExpressionAttributeValues: { ':n': 1_001 } }));
    try {
      expect(await requestsOf((on) => getFeed(on, 'viewer', { limit: 16 }))).toEqual({ Query: 1, BatchGetItem: 2 });
      expect(await feedPreviews()).toEqual(before);
    } finally {
      await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.user('viewer'), UpdateExpression: 'SET blocking = :n', ExpressionAttributeValues: { ':n': 1 } }));
    }
  });

  it('show again after an unblock, whose transaction takes the names out', async () => {
    await unblockUser(db, 'viewer', 'blocked');
    await unblockUser(db, 'blocker', 'viewer');
    const viewerItem = (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user('viewer') }))).Item;
    expect(viewerItem).toMatchObject({ blocking: 0, blockedBy: 0 });
    expect(viewerItem?.blockingNames).toBeUndefined();
    expect(viewerItem?.blockedByNames).toBeUndefined();
    const shown = await feedPreviews();
    expect(shown.blocked).toEqual(['blocked']);
    expect(shown.blocker).toEqual(['blocker']);
  });

  it('hide an author suspended after commenting once the view re-derived the summaries, and show them again when it is lifted', async () => {
    await suspendUser(db, 'sus', 'spam');
    await expect.poll(async () => (await feedPreviews()).sus).toEqual([]);
    expect(await requestsOf((on) => getFeed(on, 'viewer', { limit: 16 }))).toEqual({ Query: 1, BatchGetItem: 1 });
    expect((await photoItem('sus'))?.commentPreviews).toEqual([expect.objectContaining({ author: 'sus', authorOpen: false })]);
    await unsuspendUser(db, 'sus');
    await expect.poll(async () => (await feedPreviews()).sus).toEqual(['sus']);
  });

  it('hide a private author from non-followers (on list pages from followers too, until they read the conversation)', async () => {
    await setPrivate(db, 'priv', true);
    await expect.poll(async () => (await feedPreviews()).priv).toEqual([]);
    expect(await requestsOf((on) => getFeed(on, 'viewer', { limit: 16 }))).toEqual({ Query: 1, BatchGetItem: 1 });
    expect((await photoItem('priv'))?.commentPreviews).toEqual([expect.objectContaining({ author: 'priv', authorOpen: false })]);
    await setPrivate(db, 'priv', false);
    await expect.poll(async () => (await feedPreviews()).priv).toEqual(['priv']);
  });

  it('read the author for a summary stored before the status: one request more, the same answer', async () => {
    const item = await photoItem('pal');
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.photo('owner', photos.pal.timestamp), UpdateExpression: 'REMOVE commentPreviews[0].authorOpen' }));
    try {
      expect(await requestsOf((on) => getFeed(on, 'viewer', { limit: 16 }))).toEqual({ Query: 1, BatchGetItem: 2 });
      expect((await feedPreviews()).pal).toEqual(['pal']);
    } finally {
      await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.photo('owner', photos.pal.timestamp), UpdateExpression: 'SET commentPreviews = :p', ExpressionAttributeValues: { ':p': item?.commentPreviews as unknown } }));
    }
  });

  it('doctor finds a stored author status that is not the author\'s (or none) and derives the summary again', async () => {
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.photo('owner', photos.pal.timestamp), UpdateExpression: 'SET commentPreviews[0].authorOpen = :f', ExpressionAttributeValues: { ':f': false } }));
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.photo('owner', photos.blocked.timestamp), UpdateExpression: 'REMOVE commentPreviews[0].authorOpen' }));
    const report = await auditComments(db.doc, db.table);
    expect(report.problems.map((p) => p.type === 'comment-summary' && p.timestamp).sort()).toEqual([photos.pal.timestamp, photos.blocked.timestamp].sort());
    expect((await auditComments(db.doc, db.table, { fix: true })).remaining).toEqual([]);
    expect((await photoItem('pal'))?.commentPreviews).toEqual([expect.objectContaining({ author: 'pal', authorOpen: true })]);
    expect((await photoItem('blocked'))?.commentPreviews).toEqual([expect.objectContaining({ author: 'blocked', authorOpen: true })]);
  });

  it('go with their author\'s account; the name registered again inherits none', async () => {
    await startAccountDeletion(db, 'gone');
    expect(await finishDeletion(db, 'gone', { deleteFiles: () => Promise.resolve(), deleteUserFiles: () => Promise.resolve() })).toBe('done');
    await user('gone');
    await worker.drain();
    expect((await feedPreviews()).gone).toEqual([]);
    expect(await photoItem('gone')).toMatchObject({ commentCount: 0, commentPreviews: [] });
  });

  it('a replay of the stream derives the same summaries', async () => {
    await worker.drain();
    const before = await Promise.all(AUTHORS.map(photoItem));
    expect(await replayStream(db, [commentSummaryView({ db, derived: derivedDb(db), settings })])).toBeGreaterThan(0);
    expect(await Promise.all(AUTHORS.map(photoItem))).toEqual(before);
  });
});

describe('a preview whose author the page read live', () => {
  const card = (authorOpen: boolean) => ({ photo: { username: 'owner', timestamp: '2026-01-01T00:00:00' }, comments: { commentCount: 1, previews: [{ timestamp: '2026-01-01T00:01:00', author: 'x', text: 'hi', authorOpen }] } });
  const live = (attributes: Record<string, unknown>) => new Map([['x', { ...keys.user('x'), username: 'x', ...attributes }]]);
  const none = { blocking: 0, blockedBy: 0 };

  it('goes by the live item over the stored status, with no request: suspended now, or private and followed', async () => {
    const counts = await requestsOf(async (on) => {
      const [suspended] = await visiblePreviews(on, 'viewer', [card(true)], { live: live({ suspendedAt: '2026-01-01T00:02:00' }), follows: () => true, blocks: none });
      expect(suspended?.comments.previews).toEqual([]);
      const [followed] = await visiblePreviews(on, 'viewer', [card(false)], { live: live({ private: true }), follows: (u) => u === 'x', blocks: none });
      expect(followed?.comments.previews).toEqual([{ timestamp: '2026-01-01T00:01:00', author: 'x', text: 'hi' }]);
      const [notFollowed] = await visiblePreviews(on, 'viewer', [card(true)], { live: live({ private: true }), follows: () => false, blocks: none });
      expect(notFollowed?.comments.previews).toEqual([]);
    });
    expect(counts).toEqual({});
  });
});

describe('block name sets on the User item', () => {
  const userItem = async (u: string) => (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(u), ConsistentRead: true }))).Item;

  it('stop growing at BLOCK_NAMES_MAX: the block is counted, the name not kept, and pages read the block items', async () => {
    await user('hoarder');
    await user('one-more');
    // As 1,000 blocks would leave it (names of accounts that need not exist for the set's bound).
    const full = new Set(Array.from({ length: BLOCK_NAMES_MAX }, (_, i) => `name${String(i).padStart(4, '0')}`));
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.user('hoarder'), UpdateExpression: 'SET blocking = :n, blockingNames = :s', ExpressionAttributeValues: { ':n': BLOCK_NAMES_MAX, ':s': full } }));
    await blockUser(db, 'hoarder', 'one-more');
    const item = await userItem('hoarder');
    expect(item?.blocking).toBe(BLOCK_NAMES_MAX + 1);
    expect((item?.blockingNames as Set<string>).size).toBe(BLOCK_NAMES_MAX);
    expect((item?.blockingNames as Set<string>).has('one-more')).toBe(false);
    // The blocked side's set has room: it names the hoarder.
    expect((await userItem('one-more'))?.blockedByNames).toEqual(new Set(['hoarder']));
  });

  it("leave the other party's set when an account is deleted, both ways", async () => {
    await user('leaver');
    await blockUser(db, 'viewer', 'leaver');
    await blockUser(db, 'leaver', 'viewer');
    expect(await userItem('viewer')).toMatchObject({ blockingNames: new Set(['leaver']), blockedByNames: new Set(['leaver']) });
    await startAccountDeletion(db, 'leaver');
    expect(await finishDeletion(db, 'leaver', { deleteFiles: () => Promise.resolve(), deleteUserFiles: () => Promise.resolve() })).toBe('done');
    const viewer = await userItem('viewer');
    expect(viewer).toMatchObject({ blocking: 0, blockedBy: 0 });
    expect(viewer?.blockingNames).toBeUndefined();
    expect(viewer?.blockedByNames).toBeUndefined();
  });
});
