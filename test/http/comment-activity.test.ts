/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed */
/**
 * Comment activity over HTTP, the worker consuming the real stream: "commented on your photo",
 * "replied to your comment", "liked your comment", never for one's own action; each taken back
 * with its comment, reply or like; a block drops them; a replay rewrites the same items; the
 * doctor's requirements hold for every item written.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityRequires } from '../../src/derived/views/activity.js';
import { derivedDb } from '../../src/derived/store/index.js';
import { buildViews, createWorker, type Worker } from '../../src/derived/worker.js';
import { derivedRanges } from '../../src/schema/keys.js';
import { replayStream } from '../derived/support.js';
import { imageForm, PNG_1x1, signUp, startApi, testConfig, type Api, type Session } from './support.js';

let api: Api;
let worker: Worker;
const people: Record<string, Session> = {};
const settings = { ...testConfig().derived, pollMs: 50 };

const as = (name: string) => ({ token: people[name]!.accessToken });

async function comment(name: string, photo: string, text: string, replyTo?: string): Promise<any> {
  const answer = await api.call('POST', `/v1/photos/${photo}/comments`, { ...as(name), json: { text, ...(replyTo ? { replyTo } : {}) } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body;
}

/** The comment kinds of a user's activity, newest first, as "type actor text". */
async function commentActivity(name: string): Promise<string[]> {
  const answer = await api.call('GET', '/v1/me/activity', as(name));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.items
    .filter((i: any) => ['comment', 'reply', 'comment-like'].includes(i.type))
    .map((i: any) => `${String(i.type)} ${String(i.actor.username)}${i.comment.text === undefined ? '' : ` ${String(i.comment.text)}`}`);
}

/** Every activity item of a user as stored (PK SK), sorted. */
async function stored(name: string): Promise<string[]> {
  const derived = derivedDb(api.db);
  const range = derivedRanges.activity(name);
  const page = await derived.doc.send(
    new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)', ExpressionAttributeValues: { ':pk': range.pk, ':p': range.prefix } }),
  );
  return (page.Items ?? []).map((i) => `${String(i.PK)} ${String(i.SK)}`).sort();
}

beforeAll(async () => {
  api = await startApi();
  for (const name of ['owner', 'ann', 'bob', 'cid', 'shy', 'pat']) people[name] = await signUp(api, name);
  worker = createWorker({ client: api.db.client, db: api.db, settings });
}, 120_000);

afterAll(async () => {
  await worker.stop();
  await api.close();
});

describe('comment activity', () => {
  let photo: string;
  let first: any;
  let reply: any;

  it('tells the owner of a comment, the comment\'s author of a reply and of a like, never anyone of their own', async () => {
    const upload = await api.call('POST', '/v1/users/owner/photos', { ...as('owner'), body: imageForm(PNG_1x1) });
    photo = upload.body.id as string;
    first = await comment('ann', photo, 'lovely light');
    reply = await comment('bob', photo, 'agreed', first.id);
    await comment('owner', photo, 'thanks all');
    await comment('ann', photo, 'my own thread', first.id);
    expect((await api.call('PUT', `/v1/photos/${photo}/comments/${first.id as string}/likes/me`, as('owner'))).status).toBe(201);
    const replyLike = await api.call('PUT', `/v1/photos/${photo}/comments/${reply.id as string}/likes/me`, as('ann'));
    expect(replyLike.status, JSON.stringify(replyLike.body)).toBe(201);
    expect((await api.call('PUT', `/v1/photos/${photo}/comments/${first.id as string}/likes/me`, as('ann'))).status).toBe(201);
    await worker.drain();
    expect(await commentActivity('owner')).toEqual(['comment ann lovely light']);
    expect(await commentActivity('ann')).toEqual(['comment-like owner', 'reply bob agreed']);
    expect(await commentActivity('bob')).toEqual(['comment-like ann']);
    const answer = await api.call('GET', '/v1/me/activity', as('ann'));
    const item = answer.body.items.find((i: any) => i.type === 'reply');
    expect(item).toMatchObject({ type: 'reply', photo: { id: photo }, comment: { id: reply.id, text: 'agreed' }, unread: true });
    expect(answer.body.unreadCount).toBe(2);
    expect(JSON.stringify(answer.body)).not.toMatch(/ACTIVITY#|COMMENTS#|USER#/);
  });

  it('a replay of every record rewrites the same items; each one\'s requirements exist', async () => {
    const before = { owner: await stored('owner'), ann: await stored('ann'), bob: await stored('bob') };
    const views = buildViews(api.db, settings).filter((v) => v.name === 'activity');
    await replayStream(api.db, views);
    expect({ owner: await stored('owner'), ann: await stored('ann'), bob: await stored('bob') }).toEqual(before);
    const derived = derivedDb(api.db);
    const range = derivedRanges.activity('ann');
    const items = await derived.doc.send(
      new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)', ExpressionAttributeValues: { ':pk': range.pk, ':p': range.prefix } }),
    );
    for (const item of items.Items ?? []) {
      const needs = activityRequires('ann', item);
      expect(needs.length).toBeGreaterThan(2);
      for (const need of needs) {
        const found = await api.db.doc.send(new QueryCommand({ TableName: api.db.table, KeyConditionExpression: 'PK = :pk AND SK = :sk', ExpressionAttributeValues: { ':pk': need.key.PK, ':sk': need.key.SK } }));
        expect(found.Items, need.reason).toHaveLength(1);
      }
    }
  });

  it('an unlike, a deleted reply and a deleted comment take their items back', async () => {
    expect((await api.call('DELETE', `/v1/photos/${photo}/comments/${first.id as string}/likes/me`, as('owner'))).status).toBe(204);
    expect((await api.call('DELETE', `/v1/photos/${photo}/comments/${reply.id as string}`, as('bob'))).status).toBe(204);
    await worker.drain();
    expect(await commentActivity('ann')).toEqual([]);
    // The reply's like went with it.
    expect(await commentActivity('bob')).toEqual([]);
    expect((await api.call('DELETE', `/v1/photos/${photo}/comments/${first.id as string}`, as('owner'))).status).toBe(204);
    await worker.drain();
    expect(await commentActivity('owner')).toEqual([]);
  });

  it('a block drops what either side did in the other\'s activity', async () => {
    await comment('bob', photo, 'hello again');
    await worker.drain();
    expect(await commentActivity('owner')).toEqual(['comment bob hello again']);
    expect((await api.call('PUT', '/v1/blocks/bob', as('owner'))).status).toBeLessThan(300);
    await worker.drain();
    expect(await stored('owner')).toEqual(expect.not.arrayContaining([expect.stringContaining('#comment#bob#')]));
    expect(await commentActivity('owner')).toEqual([]);
  });

  it("a private author's comments and replies reach only their followers, the owner of the photo included", async () => {
    expect((await api.call('PUT', '/v1/account/privacy', { ...as('shy'), json: { private: true } })).status).toBe(200);
    const open = (await api.call('POST', '/v1/users/owner/photos', { ...as('owner'), body: imageForm(PNG_1x1) })).body.id as string;
    // A private account comments on a public photo: allowed, and shown to its followers only.
    await comment('shy', open, 'psst, owner');
    const anns = await comment('ann', open, 'nice one');
    await comment('shy', open, 'quiet reply', anns.id);
    // A later comment by a public author: once its item is in, the worker has applied shy's.
    await comment('cid', open, 'after shy');
    await worker.drain();
    expect((await api.call('GET', `/v1/photos/${open}/comments`, as('owner'))).body.items.map((c: any) => c.author)).toEqual(['ann', 'cid']);
    expect(await commentActivity('owner')).toEqual(['comment cid after shy', 'comment ann nice one']);
    expect(await commentActivity('ann')).toEqual([]);
    const answer = await api.call('GET', '/v1/me/activity', as('owner'));
    expect(JSON.stringify(answer.body)).not.toContain('psst');
    expect(answer.body.unreadCount).toBe(answer.body.items.filter((i: any) => i.unread).length);
    // Approved, the owner follows shy: the comment shows, under the photo and in the activity.
    expect((await api.call('PUT', '/v1/users/shy/followers/me', as('owner'))).status).toBe(202);
    expect((await api.call('PUT', '/v1/follow-requests/owner/approval', as('shy'))).status).toBeLessThan(300);
    await worker.drain();
    expect(await commentActivity('owner')).toEqual(['comment cid after shy', 'comment ann nice one', 'comment shy psst, owner']);
  });

  it("a private owner's photo reaches nobody through a reply or a like of a comment on it but their followers", async () => {
    const patPhoto = (await api.call('POST', '/v1/users/pat/photos', { ...as('pat'), body: imageForm(PNG_1x1) })).body.id as string;
    const bobPhoto = (await api.call('POST', '/v1/users/bob/photos', { ...as('bob'), body: imageForm(PNG_1x1) })).body.id as string;
    expect((await api.call('PATCH', `/v1/photos/${patPhoto}`, { ...as('pat'), json: { caption: 'where the key is hidden' } })).status).toBe(200);
    const bobs = await comment('bob', patPhoto, 'what a view');
    // Liked while public: bob was told, with the photo.
    expect((await api.call('PUT', `/v1/photos/${patPhoto}/comments/${bobs.id as string}/likes/me`, as('pat'))).status).toBe(201);
    await worker.drain();
    expect(await commentActivity('bob')).toContain('comment-like pat');
    expect((await api.call('PUT', '/v1/account/privacy', { ...as('pat'), json: { private: true } })).status).toBe(200);
    // Private now, and bob does not follow: a reply to bob's comment reaches bob no more than the photo does.
    await comment('pat', patPhoto, 'thanks, stranger', bobs.id);
    // A later item for bob from a public actor proves the worker has applied pat's reply.
    await comment('ann', bobPhoto, 'hello bob');
    await worker.drain();
    expect((await api.call('GET', `/v1/photos/${patPhoto}`, as('bob'))).status).toBe(403);
    expect(await commentActivity('bob')).toEqual(['comment ann hello bob']);
    const answer = await api.call('GET', '/v1/me/activity', as('bob'));
    expect(JSON.stringify(answer.body)).not.toMatch(/key is hidden|stranger/);
    expect(answer.body.items.map((i: any) => i.photo?.id)).not.toContain(patPhoto);
    expect(answer.body.unreadCount).toBe(answer.body.items.filter((i: any) => i.unread).length);
  });
});
