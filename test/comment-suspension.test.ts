/**
 * A suspended author's comments hide from everyone else, as their photos and profile do: in
 * comment lists, reply lists, the photo's previews and the list pages' previews; the count
 * keeps counting them; lifting the suspension brings them all back (DynamoDB Local).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.js';
import { derivedDb } from '../src/derived/store/index.js';
import { commentSummaryView } from '../src/derived/views/comment-summary.js';
import { isDomainError } from '../src/errors.js';
import {
  createUser,
  getPhotoForViewer,
  listComments,
  listPhotosForViewer,
  listReplies,
  postComment,
  suspendUser,
  unsuspendUser,
  uploadPhoto,
} from '../src/patterns/index.js';
import type { Comment } from '../src/schema/entities/index.js';
import { replayStream } from './derived/support.js';
import { createTestDb, type TestDb } from './support/db.js';

let db: TestDb;
let photo: { username: string; timestamp: string };
let annsComment: Comment;
let susComment: Comment;

const post = (author: string, text: string, replyTo?: Comment) =>
  postComment(db, { author, photoOwner: photo.username, photoTimestamp: photo.timestamp, text, ...(replyTo ? { replyTo: { timestamp: replyTo.timestamp, author: replyTo.author } } : {}) });
const authors = (items: { comment: Comment }[]) => items.map((i) => i.comment.author);

beforeAll(async () => {
  db = await createTestDb();
  for (const username of ['owner', 'ann', 'sus']) await createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '2000-01-01' });
  photo = await uploadPhoto(db, { username: 'owner', location: 'file:///p.png' });
  annsComment = await post('ann', 'from ann');
  susComment = await post('sus', 'from sus');
  await post('sus', 'sus replies', annsComment);
  await post('ann', 'ann replies', susComment);
  await derive();
});

/** The list pages' summaries, as the worker writes them (with each preview's author status: a suspension reaches list pages through it). */
const derive = () => replayStream(db, [commentSummaryView({ db, derived: derivedDb(db), settings: loadConfig({}).derived })]);

afterAll(async () => {
  await db.drop();
});

/** What `viewer` sees of the conversation: comments, replies to ann's, the photo's previews and the profile page's. */
async function seenBy(viewer: string) {
  const replies = await listReplies(db, viewer, annsComment);
  const detail = await getPhotoForViewer(db, viewer, photo.username, photo.timestamp);
  const profile = await listPhotosForViewer(db, viewer, photo.username);
  return {
    comments: authors((await listComments(db, viewer, photo.username, photo.timestamp)).items),
    replies: authors(replies.items),
    previews: detail.comments.previews.map((p) => p.author),
    listPreviews: profile.items[0]!.comments.previews.map((p) => p.author),
    count: detail.comments.commentCount,
  };
}

const code = (promise: Promise<unknown>) => promise.then(() => 'ok', (e: unknown) => (isDomainError(e) ? e.code : String(e)));

describe("a suspended author's comments", () => {
  it('hide from others in comment lists, reply lists and previews, and come back when the suspension is lifted', async () => {
    const everything = { comments: ['ann', 'sus'], replies: ['sus'], previews: ['sus', 'ann'], listPreviews: ['sus', 'ann'], count: 4 };
    expect(await seenBy('ann')).toEqual(everything);
    expect(await seenBy('owner')).toEqual(everything);

    await suspendUser(db, 'sus', 'spam');
    await derive();
    // The count counts every comment; the lists and previews show what the viewer may see.
    const without = { comments: ['ann'], replies: [], previews: ['ann'], listPreviews: ['ann'], count: 4 };
    expect(await seenBy('ann')).toEqual(without);
    expect(await seenBy('owner')).toEqual(without);
    // Replies under a hidden comment are not reachable either.
    await expect(code(listReplies(db, 'ann', susComment))).resolves.toBe('COMMENT_NOT_FOUND');

    await unsuspendUser(db, 'sus');
    await derive();
    expect(await seenBy('ann')).toEqual(everything);
    expect(authors((await listReplies(db, 'ann', susComment)).items)).toEqual(['ann']);
  });
});
