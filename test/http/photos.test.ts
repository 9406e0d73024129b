/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call */
/** Photos, reactions and follows over real HTTP: happy paths, authorization, counters, cursors, uploads. */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore, type BlobStore } from '../../src/blobs/index.js';
import { uploadPhoto } from '../../src/patterns/index.js';
import { photoId } from '../../src/schema/ids.js';
import { keys } from '../../src/schema/keys.js';
import { imageForm, PNG_1x1, signUp, startApi, type Api, type Session } from './support.js';

const UPLOAD_LIMIT = 4096;
let api: Api;
let alice: Session;
let bob: Session;
let carol: Session;

beforeAll(async () => {
  api = await startApi({ MAX_UPLOAD_BYTES: String(UPLOAD_LIMIT) });
  [alice, bob, carol] = [await signUp(api, 'alice'), await signUp(api, 'bob'), await signUp(api, 'carol')];
});

afterAll(async () => {
  await api.close();
});

/** The stored form of a timestamp the API answered (the API adds the zone). */
const stored = (timestamp: string) => timestamp.replace(/Z$/, '');
const photoPath = (owner: string, timestamp: string) => `/v1/photos/${photoId(owner, stored(timestamp))}`;

async function upload(session: Session, owner = session.username, bytes = PNG_1x1) {
  return api.call('POST', `/v1/users/${owner}/photos`, { token: session.accessToken, body: imageForm(bytes) });
}

async function storedPhoto(owner: string, timestamp: string) {
  return (await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.photo(owner, stored(timestamp)) }))).Item;
}

async function counters(username: string) {
  const answer = await api.call('GET', `/v1/users/${username}`, { token: alice.accessToken });
  return { followers: answer.body.followers as number, following: answer.body.following as number };
}

describe('uploads', () => {
  it("stores the variants, records the full size's URI as location, and serves the image by a signed URL", async () => {
    const answer = await upload(alice);
    expect(answer.status).toBe(201);
    const { timestamp } = answer.body;
    expect(answer.body).toEqual({
      id: photoId('alice', stored(timestamp)),
      username: 'alice',
      timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/),
      reactions: { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 },
      entities: { mentions: [], tags: [] },
      width: 1,
      height: 1,
      imageUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/v1\/media\/v\/[0-9a-f]{2}\/[0-9a-f]{32}-[0-9a-f]{16}\.webp\?o=alice&v=alice&c=1&expires=\d+&sig=/),
      variants: expect.any(Array),
      placeholder: expect.any(String),
      urlsExpireAt: expect.stringMatching(/Z$/),
      commentsOff: false,
      commentCount: 0,
    });
    expect(answer.headers.get('location')).toBe(photoPath('alice', timestamp));

    const item = await storedPhoto('alice', timestamp);
    expect(item?.location).toMatch(/^file:\/\//);
    const file = fileURLToPath(String(item?.location));
    expect(file.startsWith(api.photosDir)).toBe(true);
    expect(file.endsWith('.webp')).toBe(true);

    // No token needed: the URL's signature is the permission (so <img> tags work).
    const image = await api.call('GET', answer.body.imageUrl);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/webp');
  });

  it('detects the type from the bytes: text named photo.png is 415 and leaves nothing behind', async () => {
    const before = await readdir(api.photosDir, { recursive: true });
    const fake = await api.call('POST', '/v1/users/alice/photos', {
      token: alice.accessToken,
      body: imageForm(Buffer.from('definitely not an image, just text'), 'photo.png', 'image/png'),
    });
    expect(fake.status).toBe(415);
    expect(fake.body.error.code).toBe('UNSUPPORTED_IMAGE');
    expect(fake.body.error.message).toMatch(/JPEG, PNG, WebP/);
    const pdf = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: imageForm(Buffer.from('%PDF-1.4\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<<>>\nendobj\n'), 'x.jpg', 'image/jpeg') });
    expect(pdf.status).toBe(415);
    const json = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, json: { image: 'base64...' } });
    expect(json.status).toBe(415);
    expect(await readdir(api.photosDir, { recursive: true })).toEqual(before);
  });

  it('answers 413 for an image over the limit and stores nothing', async () => {
    const before = await api.call('GET', '/v1/users/bob/photos', { token: bob.accessToken });
    const big = Buffer.concat([PNG_1x1, Buffer.alloc(UPLOAD_LIMIT * 2)]);
    const answer = await upload(bob, 'bob', big);
    expect(answer.status).toBe(413);
    expect(answer.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    const after = await api.call('GET', '/v1/users/bob/photos', { token: bob.accessToken });
    expect(after.body.items).toEqual(before.body.items);
  });

  it('answers 400 when the multipart body has no file', async () => {
    const form = new FormData();
    form.append('caption', 'no file here');
    const answer = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: form });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('FILE_MISSING');
  });

  it("forbids uploading to someone else's account, and requires a token", async () => {
    const answer = await upload(bob, 'alice');
    expect(answer.status).toBe(403);
    expect(answer.body.error.code).toBe('FORBIDDEN');
    const anonymous = await api.call('POST', '/v1/users/alice/photos', { body: imageForm(PNG_1x1) });
    expect(anonymous.status).toBe(401);
  });

  it('answers 500 INTERNAL without the cause when the blob store fails', async () => {
    const failing: BlobStore = {
      ...createLocalBlobStore(api.photosDir),
      put: () => Promise.reject(new Error('AccessDenied: bucket secret-bucket-name, key AKIAXXXX')),
    };
    const broken = await startApi({}, { blobs: failing });
    try {
      const dave = await signUp(broken, 'dave');
      const answer = await broken.call('POST', '/v1/users/dave/photos', { token: dave.accessToken, body: imageForm(PNG_1x1) });
      expect(answer.status).toBe(500);
      expect(answer.body).toEqual({ error: { code: 'INTERNAL', message: expect.any(String) } });
      expect(JSON.stringify(answer.body)).not.toMatch(/secret-bucket|AKIA|AccessDenied/);
    } finally {
      await broken.close();
    }
  });
});

describe('listing and reading photos', () => {
  const uploaded: string[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 3; i++) uploaded.push((await upload(carol)).body.timestamp);
  });

  it('lists newest first, page by page, with signed cursors', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const query = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await api.call('GET', `/v1/users/carol/photos${query}`, { token: alice.accessToken });
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((p: { timestamp: string }) => p.timestamp));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...uploaded].reverse());
  });

  it('rejects tampered and foreign cursors with 400 INVALID_CURSOR', async () => {
    const first = await api.call('GET', '/v1/users/carol/photos?limit=1', { token: alice.accessToken });
    const cursor: string = first.body.nextCursor;
    expect(cursor).toEqual(expect.any(String));
    const forgedKey = Buffer.from(JSON.stringify({ PK: 'USER#alice', SK: 'PHOTO#alice#9999' })).toString('base64url');
    const flipped = Buffer.from(cursor, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    for (const bad of [forgedKey, flipped.toString('base64url'), 'garbage']) {
      const answer = await api.call('GET', `/v1/users/carol/photos?cursor=${encodeURIComponent(bad)}`, { token: alice.accessToken });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('INVALID_CURSOR');
    }
    // A genuine cursor of carol's list replayed on alice's list.
    const foreign = await api.call('GET', `/v1/users/alice/photos?cursor=${encodeURIComponent(cursor)}`, { token: alice.accessToken });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe('INVALID_CURSOR');
  });

  it('rejects limits outside 1-100 with 400', async () => {
    for (const limit of ['0', '101', 'ten', '-1']) {
      const answer = await api.call('GET', `/v1/users/carol/photos?limit=${limit}`, { token: alice.accessToken });
      expect(answer.status, limit).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('answers 404 for unknown users, photos, photo ids and images; 400 for a malformed id', async () => {
    expect((await api.call('GET', '/v1/users/nobody/photos', { token: alice.accessToken })).body.error.code).toBe('USER_NOT_FOUND');
    const missing = await api.call('GET', photoPath('carol', '2001-01-01T00:00:00'), { token: alice.accessToken });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('PHOTO_NOT_FOUND');
    for (const id of ['yesterday0', photoId('carol', 'yesterday'), `${photoId('carol', '2001-01-01T00:00:00')}A`]) {
      const unknown = await api.call('GET', `/v1/photos/${id}`, { token: alice.accessToken });
      expect(unknown.status, id).toBe(404);
      expect(unknown.body.error.code).toBe('PHOTO_NOT_FOUND');
    }
    const bad = await api.call('GET', '/v1/photos/not$an$id', { token: alice.accessToken });
    expect(bad.status).toBe(400);
    // A photo whose location is in another store (like the lab's s3:// data) has no image URLs here.
    const lab = await uploadPhoto(api.db, { username: 'carol', location: 's3://quick-photos/photos/carol/x.png', timestamp: '2018-01-01T00:00:00' });
    const shown = await api.call('GET', photoPath('carol', lab.timestamp), { token: alice.accessToken });
    expect(shown.status).toBe(200);
    expect(shown.body.imageUrl).toBeUndefined();
    expect(JSON.stringify(shown.body)).not.toMatch(/s3:/);
  });
});

describe('reactions', () => {
  let ts: string;
  beforeAll(async () => {
    ts = (await upload(alice)).body.timestamp;
  });

  it('reacts as the caller; a repeat is 200 and changes nothing; unreact decrements, and again is 204', async () => {
    const path = `${photoPath('alice', ts)}/reactions/heart`;
    const first = await api.call('PUT', path, { token: bob.accessToken });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ reactingUser: 'bob', reactionType: 'heart', photoId: photoId('alice', stored(ts)), timestamp: expect.stringMatching(/Z$/) });
    const dup = await api.call('PUT', path, { token: bob.accessToken });
    expect(dup.status).toBe(200);
    expect(dup.body).toEqual(first.body);
    expect((await api.call('PUT', `${photoPath('alice', ts)}/reactions/%2B1`, { token: carol.accessToken })).status).toBe(201);
    expect((await api.call('PUT', path, { token: carol.accessToken })).status).toBe(201);

    let photo = await api.call('GET', photoPath('alice', ts), { token: carol.accessToken });
    expect(photo.body.reactions).toEqual({ '+1': 1, smiley: 0, sunglasses: 0, heart: 2 });
    expect((await api.call('GET', `${photoPath('alice', ts)}/reactions`, { token: carol.accessToken })).body.items).toHaveLength(3);

    const remove = await api.call('DELETE', path, { token: bob.accessToken });
    expect(remove.status).toBe(204);
    const again = await api.call('DELETE', path, { token: bob.accessToken });
    expect(again.status).toBe(204);
    photo = await api.call('GET', photoPath('alice', ts), { token: carol.accessToken });
    expect(photo.body.reactions).toEqual({ '+1': 1, smiley: 0, sunglasses: 0, heart: 1 });
    const reactions = await api.call('GET', `${photoPath('alice', ts)}/reactions`, { token: carol.accessToken });
    expect(reactions.body.items.map((r: { reactingUser: string }) => r.reactingUser).sort()).toEqual(['carol', 'carol']);
  });

  it('pages reactions, and answers 404 for the reactions of a missing photo', async () => {
    const first = await api.call('GET', `${photoPath('alice', ts)}/reactions?limit=1`, { token: bob.accessToken });
    expect(first.body.items).toHaveLength(1);
    const second = await api.call('GET', `${photoPath('alice', ts)}/reactions?limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`, { token: bob.accessToken });
    expect(second.status).toBe(200);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0]).not.toEqual(first.body.items[0]);
    expect(second.body.nextCursor).toBeUndefined();
    const missing = await api.call('GET', `${photoPath('alice', '2001-01-01T00:00:00')}/reactions`, { token: bob.accessToken });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('PHOTO_NOT_FOUND');
  });

  it('answers 404 for a missing photo and 400 for an unknown reaction type', async () => {
    const missing = await api.call('PUT', `${photoPath('alice', '2001-01-01T00:00:00')}/reactions/heart`, { token: bob.accessToken });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('PHOTO_NOT_FOUND');
    const bad = await api.call('PUT', `${photoPath('alice', ts)}/reactions/angry`, { token: bob.accessToken });
    expect(bad.status).toBe(400);
  });
});

describe('deleting photos', () => {
  it("lets only the owner delete; the photo's reactions and image go with it", async () => {
    const { timestamp } = (await upload(bob)).body;
    const file = fileURLToPath(String((await storedPhoto('bob', timestamp))?.location));
    for (const [who, type] of [[alice, 'smiley'], [carol, 'smiley'], [carol, 'sunglasses']] as const) {
      expect((await api.call('PUT', `${photoPath('bob', timestamp)}/reactions/${type}`, { token: who.accessToken })).status).toBe(201);
    }
    const forbidden = await api.call('DELETE', photoPath('bob', timestamp), { token: alice.accessToken });
    expect(forbidden.status).toBe(403);
    expect((await api.call('GET', photoPath('bob', timestamp), { token: alice.accessToken })).body.reactions.smiley).toBe(2);

    const deleted = await api.call('DELETE', photoPath('bob', timestamp), { token: bob.accessToken });
    expect(deleted.status).toBe(204);
    expect(await storedPhoto('bob', timestamp)).toBeUndefined();
    const reactions = await api.db.doc.send(
      new QueryCommand({
        TableName: api.db.table,
        IndexName: 'InvertedIndex',
        KeyConditionExpression: 'SK = :sk',
        ExpressionAttributeValues: { ':sk': keys.photo('bob', stored(timestamp)).SK },
        ConsistentRead: false,
      }),
    );
    expect(reactions.Items).toEqual([]);
    expect(existsSync(file)).toBe(false);
    expect((await api.call('GET', photoPath('bob', timestamp), { token: bob.accessToken })).status).toBe(404);
    // A retry whose first answer was lost: the same answer as the first delete.
    const again = await api.call('DELETE', photoPath('bob', timestamp), { token: bob.accessToken });
    expect(again.status).toBe(204);
  });
});

describe('follows', () => {
  it('follows as the caller with exact counters; a repeat is 200 and changes nothing, self 400, unknown 404', async () => {
    const follow = await api.call('PUT', '/v1/users/alice/followers/me', { token: bob.accessToken });
    expect(follow.status).toBe(201);
    expect(follow.body).toEqual({ followedUser: 'alice', followingUser: 'bob', timestamp: expect.stringMatching(/Z$/) });
    expect((await api.call('PUT', '/v1/users/alice/followers/me', { token: carol.accessToken })).status).toBe(201);
    expect((await api.call('PUT', '/v1/users/carol/followers/me', { token: bob.accessToken })).status).toBe(201);

    const dup = await api.call('PUT', '/v1/users/alice/followers/me', { token: bob.accessToken });
    expect(dup.status).toBe(200);
    expect(dup.body).toEqual(follow.body);
    const self = await api.call('PUT', '/v1/users/alice/followers/me', { token: alice.accessToken });
    expect(self.status).toBe(400);
    expect(self.body.error.code).toBe('SELF_FOLLOW');
    const unknown = await api.call('PUT', '/v1/users/nobody/followers/me', { token: alice.accessToken });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('USER_NOT_FOUND');

    expect(await counters('alice')).toEqual({ followers: 2, following: 0 });
    expect(await counters('bob')).toEqual({ followers: 0, following: 2 });
    expect(await counters('carol')).toEqual({ followers: 1, following: 1 });
  });

  it('lists followers and followed users, with profiles on request, page by page', async () => {
    const followers = await api.call('GET', '/v1/users/alice/followers', { token: carol.accessToken });
    expect(followers.status).toBe(200);
    expect(followers.body.items.map((f: { followingUser: string }) => f.followingUser).sort()).toEqual(['bob', 'carol']);

    const following = await api.call('GET', '/v1/users/bob/following', { token: carol.accessToken });
    expect(following.body.items.map((f: { followedUser: string }) => f.followedUser).sort()).toEqual(['alice', 'carol']);
    expect(following.body.items[0].user).toBeUndefined();

    const expanded = await api.call('GET', '/v1/users/bob/following?expand=profile&limit=1', { token: carol.accessToken });
    expect(expanded.body.items).toHaveLength(1);
    const item = expanded.body.items[0];
    expect(item.user).toMatchObject({ username: item.followedUser, name: `Name of ${item.followedUser}` });
    expect(item.user.passwordHash).toBeUndefined();
    const next = await api.call('GET', `/v1/users/bob/following?expand=profile&limit=1&cursor=${encodeURIComponent(expanded.body.nextCursor)}`, {
      token: carol.accessToken,
    });
    expect(next.body.items).toHaveLength(1);
    expect(next.body.items[0].followedUser).not.toBe(item.followedUser);

    const foreign = await api.call('GET', `/v1/users/alice/followers?cursor=${encodeURIComponent(expanded.body.nextCursor)}`, { token: carol.accessToken });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe('INVALID_CURSOR');
    expect((await api.call('GET', '/v1/users/bob/following?expand=everything', { token: carol.accessToken })).status).toBe(400);
  });

  it('unfollows with both counters decremented; unfollowing twice is 204 and changes nothing', async () => {
    const out = await api.call('DELETE', '/v1/users/alice/followers/me', { token: bob.accessToken });
    expect(out.status).toBe(204);
    const again = await api.call('DELETE', '/v1/users/alice/followers/me', { token: bob.accessToken });
    expect(again.status).toBe(204);
    expect(await counters('alice')).toEqual({ followers: 1, following: 0 });
    expect(await counters('bob')).toEqual({ followers: 0, following: 1 });
    const followers = await api.call('GET', '/v1/users/alice/followers', { token: bob.accessToken });
    expect(followers.body.items.map((f: { followingUser: string }) => f.followingUser)).toEqual(['carol']);
  });
});
