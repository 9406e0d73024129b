/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call */
/**
 * Comments over real HTTP: post, reply, list, like, delete, comments off, Idempotency-Key,
 * blocks and private accounts, and the photo's commentCount and previews in photo reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../../src/admin/doctor.js';
import { imageForm, PNG_1x1, signUp, startApi, type Api, type Session } from './support.js';
import { loadConfig } from '../../src/config/index.js';
import { derivedDb } from '../../src/derived/store/index.js';
import { commentSummaryView } from '../../src/derived/views/comment-summary.js';
import { replayStream } from '../derived/support.js';

let api: Api;
let owner: Session;
let ann: Session;
let bob: Session;
let photo: string;

const as = (session: Session) => ({ token: session.accessToken });

async function upload(session: Session): Promise<string> {
  const answer = await api.call('POST', `/v1/users/${session.username}/photos`, { token: session.accessToken, body: imageForm(PNG_1x1) });
  expect(answer.status).toBe(201);
  expect(answer.body.commentCount).toBe(0);
  expect(answer.body.commentsOff).toBe(false);
  return answer.body.id as string;
}

/** What the worker does for list pages (no worker runs here): the photos' comment summaries, from the stream. */
const summarize = () => replayStream(api.db, [commentSummaryView({ db: api.db, derived: derivedDb(api.db), settings: loadConfig({}).derived })]);

const comment = (session: Session, photoId: string, json: Record<string, unknown>, headers: Record<string, string> = {}) =>
  api.call('POST', `/v1/photos/${photoId}/comments`, { ...as(session), json, headers });

beforeAll(async () => {
  api = await startApi();
  [owner, ann, bob] = [await signUp(api, 'owner'), await signUp(api, 'ann'), await signUp(api, 'bob')];
  photo = await upload(owner);
});

afterAll(async () => {
  await api.close();
});

describe('comments over HTTP', () => {
  it('post, reply, list, like and delete, with counts on the photo', async () => {
    const first = await comment(ann, photo, { text: 'lovely' });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ id: expect.any(String), photoId: photo, author: 'ann', text: 'lovely', entities: { mentions: [], tags: [] }, timestamp: expect.stringMatching(/Z$/), likeCount: 0, replyCount: 0, likedByMe: false });
    const reply = await comment(owner, photo, { text: 'thank you', replyTo: first.body.id });
    expect(reply.status).toBe(201);
    expect(reply.body.replyTo).toBe(first.body.id);
    // One level of replies.
    expect((await comment(bob, photo, { text: 'deeper', replyTo: reply.body.id })).body.error.code).toBe('REPLY_TO_REPLY');
    expect((await api.call('PUT', `/v1/photos/${photo}/comments/${first.body.id}/likes/me`, as(bob))).status).toBe(201);
    expect((await api.call('PUT', `/v1/photos/${photo}/comments/${first.body.id}/likes/me`, as(bob))).status).toBe(200);

    const list = await api.call('GET', `/v1/photos/${photo}/comments`, as(bob));
    expect(list.status).toBe(200);
    expect(list.body.items).toEqual([{ ...first.body, likeCount: 1, replyCount: 1, likedByMe: true }]);
    const replies = await api.call('GET', `/v1/photos/${photo}/comments/${first.body.id}/replies`, as(bob));
    expect(replies.body.items.map((c: { text: string }) => c.text)).toEqual(['thank you']);

    const seen = await api.call('GET', `/v1/photos/${photo}`, as(bob));
    expect(seen.body.commentCount).toBe(2);
    expect(seen.body.comments).toEqual([{ author: 'ann', text: 'lovely', timestamp: first.body.timestamp }]);
    // A list page's count follows the stream: the photo detail's is exact at once.
    expect((await api.call('GET', '/v1/users/owner/photos', as(bob))).body.items[0].commentCount).toBe(0);
    await summarize();
    const photos = await api.call('GET', '/v1/users/owner/photos', as(bob));
    expect(photos.body.items[0].commentCount).toBe(2);
    expect(photos.body.items[0].comments).toEqual([{ author: 'ann', text: 'lovely', timestamp: first.body.timestamp }]);

    // bob may not delete ann's comment; the photo's owner may, and its reply goes with it.
    expect((await api.call('DELETE', `/v1/photos/${photo}/comments/${first.body.id}`, as(bob))).status).toBe(403);
    expect((await api.call('DELETE', `/v1/photos/${photo}/comments/${first.body.id}`, as(owner))).status).toBe(204);
    expect((await api.call('DELETE', `/v1/photos/${photo}/comments/${first.body.id}`, as(owner))).status).toBe(204);
    expect((await api.call('GET', `/v1/photos/${photo}`, as(bob))).body.commentCount).toBe(0);
    expect((await api.call('GET', `/v1/photos/${photo}/comments/${first.body.id}/replies`, as(bob))).body.error.code).toBe('COMMENT_NOT_FOUND');
    await summarize();
    expect((await api.call('GET', '/v1/users/owner/photos', as(bob))).body.items[0].commentCount).toBe(0);
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);
  });

  it("a reply's id (longer than a comment's: it names its parent too) reaches the like and delete routes", async () => {
    const top = await comment(ann, photo, { text: 'a thread' });
    const reply = await comment(bob, photo, { text: 'in it', replyTo: top.body.id });
    expect(reply.body.id.length).toBeGreaterThan(100);
    const like = await api.call('PUT', `/v1/photos/${photo}/comments/${reply.body.id as string}/likes/me`, as(ann));
    expect(like.status, JSON.stringify(like.body)).toBe(201);
    expect((await api.call('DELETE', `/v1/photos/${photo}/comments/${reply.body.id as string}`, as(bob))).status).toBe(204);
    expect((await api.call('DELETE', `/v1/photos/${photo}/comments/${top.body.id as string}`, as(ann))).status).toBe(204);
  });

  it('refuses bad text with VALIDATION_FAILED and unknown ids with 404', async () => {
    expect((await comment(ann, photo, { text: '' })).status).toBe(400);
    expect((await comment(ann, photo, { text: 'x'.repeat(2201) })).status).toBe(400);
    const control = await comment(ann, photo, { text: 'a\u0007b' });
    expect(control.status).toBe(400);
    expect(control.body.error.code).toBe('VALIDATION_FAILED');
    expect((await api.call('DELETE', `/v1/photos/${photo}/comments/AAAAAAAAAAAAAAAAAAAA`, as(ann))).body.error.code).toBe('COMMENT_NOT_FOUND');
  });

  it('a retried post with the same Idempotency-Key creates one comment', async () => {
    const p = await upload(owner);
    const headers = { 'idempotency-key': 'comment-retry-0001' };
    const a = await comment(ann, p, { text: 'once' }, headers);
    const b = await comment(ann, p, { text: 'once' }, headers);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect((await api.call('GET', `/v1/photos/${p}/comments`, as(ann))).body.items).toHaveLength(1);
    expect((await api.call('GET', `/v1/photos/${p}`, as(ann))).body.commentCount).toBe(1);
  });

  it('comments off: 403 COMMENTS_OFF, only the owner switches, and on again', async () => {
    const p = await upload(owner);
    expect((await api.call('PUT', `/v1/photos/${p}/commenting`, { ...as(ann), json: { enabled: false } })).status).toBe(403);
    expect((await api.call('PUT', `/v1/photos/${p}/commenting`, { ...as(owner), json: { enabled: false } })).body).toEqual({ enabled: false });
    expect((await api.call('GET', `/v1/photos/${p}`, as(ann))).body.commentsOff).toBe(true);
    const refused = await comment(ann, p, { text: 'hello?' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('COMMENTS_OFF');
    expect((await api.call('PUT', `/v1/photos/${p}/commenting`, { ...as(owner), json: { enabled: true } })).status).toBe(200);
    expect((await comment(ann, p, { text: 'hello!' })).status).toBe(201);
  });

  it('blocks: 403 COMMENT_NOT_ALLOWED either way, and comments hidden from each other', async () => {
    const p = await upload(owner);
    const bobs = await comment(bob, p, { text: 'from bob' });
    expect(bobs.status).toBe(201);
    expect((await comment(ann, p, { text: 'from ann' })).status).toBe(201);
    expect((await api.call('PUT', '/v1/blocks/bob', as(ann))).status).toBe(201);
    const annSees = await api.call('GET', `/v1/photos/${p}/comments`, as(ann));
    expect(annSees.body.items.map((c: { author: string }) => c.author)).toEqual(['ann']);
    const bobSees = await api.call('GET', `/v1/photos/${p}/comments`, as(bob));
    expect(bobSees.body.items.map((c: { author: string }) => c.author)).toEqual(['bob']);
    // ann's own photo: bob cannot comment on it; ann cannot reply to bob.
    const annPhoto = await upload(ann);
    const refused = await comment(bob, annPhoto, { text: 'let me' });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('COMMENT_NOT_ALLOWED');
    expect((await comment(ann, p, { text: 'no', replyTo: bobs.body.id })).body.error.code).toBe('COMMENT_NOT_ALLOWED');
    // The photo card's previews leave bob out for ann too.
    expect((await api.call('GET', `/v1/photos/${p}`, as(ann))).body.comments.map((c: { author: string }) => c.author)).toEqual(['ann']);
    expect((await api.call('DELETE', '/v1/blocks/bob', as(ann))).status).toBe(204);
  });

  it("a private account's photo: comments need a follow, and its comments elsewhere show to followers only", async () => {
    const shy = await signUp(api, 'shy');
    const p = await upload(owner);
    expect((await comment(shy, p, { text: 'shy was here' })).status).toBe(201);
    expect((await api.call('PUT', '/v1/account/privacy', { ...as(shy), json: { private: true } })).status).toBe(200);
    expect((await api.call('GET', `/v1/photos/${p}/comments`, as(ann))).body.items).toEqual([]);
    expect((await api.call('GET', `/v1/photos/${p}`, as(ann))).body.comments).toEqual([]);
    // The photo's count counts every comment; the lists show what the viewer may see.
    expect((await api.call('GET', `/v1/photos/${p}`, as(ann))).body.commentCount).toBe(1);
    expect((await api.call('GET', `/v1/photos/${p}/comments`, as(owner))).body.items).toEqual([]);
    const shyPhoto = await upload(shy);
    expect((await comment(ann, shyPhoto, { text: 'hi' })).status).toBe(403);
    expect((await api.call('GET', `/v1/photos/${shyPhoto}/comments`, as(ann))).status).toBe(403);
  });

  it('a suspended account cannot comment', async () => {
    const gone = await signUp(api, 'soon-suspended');
    await api.db.doc.send(new (await import('@aws-sdk/lib-dynamodb')).UpdateCommand({ TableName: api.db.table, Key: { PK: 'USER#soon-suspended', SK: '#METADATA#soon-suspended' }, UpdateExpression: 'SET suspendedAt = :t', ExpressionAttributeValues: { ':t': '2026-01-01T00:00:00' } }));
    const refused = await comment(gone, photo, { text: 'still here?' });
    expect([401, 403]).toContain(refused.status);
  });
});

describe('comments per account and hour', () => {
  let bounded: Api;
  beforeAll(async () => {
    bounded = await startApi({ COMMENTS_PER_HOUR: '3' });
  });
  afterAll(async () => {
    await bounded.close();
  });

  it('past COMMENTS_PER_HOUR an account is refused (429 COMMENT_RATE_EXCEEDED) and nothing is stored; a keyed retry still answers its comment; others still comment', async () => {
    const [poster, chatty, quiet] = [await signUp(bounded, 'poster'), await signUp(bounded, 'chatty'), await signUp(bounded, 'quiet')];
    const upload = await bounded.call('POST', '/v1/users/poster/photos', { token: poster.accessToken, body: imageForm(PNG_1x1) });
    expect(upload.status).toBe(201);
    const post = (session: Session, text: string, headers: Record<string, string> = {}) =>
      bounded.call('POST', `/v1/photos/${upload.body.id}/comments`, { ...as(session), json: { text }, headers });
    const first = await post(chatty, 'one');
    expect(first.status).toBe(201);
    // A reply counts as a comment.
    expect((await bounded.call('POST', `/v1/photos/${upload.body.id}/comments`, { ...as(chatty), json: { text: 'two', replyTo: first.body.id } })).status).toBe(201);
    const third = await post(chatty, 'three', { 'idempotency-key': 'comment-0003-last' });
    expect(third.status).toBe(201);
    const refused = await post(chatty, 'four @quiet #spam');
    expect([refused.status, refused.body.error.code]).toEqual([429, 'COMMENT_RATE_EXCEEDED']);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const retried = await post(chatty, 'three', { 'idempotency-key': 'comment-0003-last' });
    expect([retried.status, retried.body.id]).toEqual([201, third.body.id]);
    const listed = await bounded.call('GET', `/v1/photos/${upload.body.id}/comments`, as(poster));
    expect(listed.body.items.map((c: { text: string }) => c.text)).toEqual(['one', 'three']);
    const photo = await bounded.call('GET', `/v1/photos/${upload.body.id}`, as(poster));
    expect(photo.body.commentCount).toBe(3);
    // The bound is the account's: another account comments as before.
    expect((await post(quiet, 'hello')).status).toBe(201);
  });
});
