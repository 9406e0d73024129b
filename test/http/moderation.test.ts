/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment */
/** Reports over HTTP, and the moderator CLI (reports, takedown, suspend) on the same table. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import { keys } from '../../src/schema/keys.js';
import { auditTable } from '../../src/admin/doctor.js';
import { photoId } from '../../src/schema/ids.js';
import { getPhoto, listNotices, listReports, suspendUser, unsuspendUser } from '../../src/patterns/index.js';
import { imageForm, PNG_1x1, profile, signUp, startApi, type Api, type Session } from './support.js';
import { runCli } from '../support/cli.js';

let api: Api;
let alice: Session;
let bob: Session;
let mallory: Session;
let photo: string;

const as = (session: Session) => ({ token: session.accessToken });

const cli = (...args: string[]) => runCli(api.db.table, args, { PHOTOS_DIR: api.photosDir });

beforeAll(async () => {
  api = await startApi();
  [alice, bob, mallory] = [await signUp(api, 'alice'), await signUp(api, 'bob'), await signUp(api, 'mallory')];
  const upload = await api.call('POST', '/v1/users/mallory/photos', { token: mallory.accessToken, body: imageForm(PNG_1x1) });
  photo = photoId('mallory', (upload.body.timestamp as string).replace(/Z$/, ''));
  // mallory's photo gets reactions, so that the takedown has counters to keep exact.
  expect((await api.call('PUT', `/v1/photos/${photo}/reactions/heart`, as(bob))).status).toBe(201);
});

afterAll(async () => {
  await api.close();
});

describe('reports', () => {
  it('one per reporter and target: a repeat answers 200 with the first', async () => {
    const first = await api.call('PUT', '/v1/reports/users/mallory', { ...as(alice), json: { reason: 'harassment', text: 'rude' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ target: 'user:mallory', reason: 'harassment', text: 'rude', state: 'open' });
    const again = await api.call('PUT', '/v1/reports/users/mallory', { ...as(alice), json: { reason: 'spam' } });
    expect([again.status, again.body.reason, again.body.createdAt]).toEqual([200, 'harassment', first.body.createdAt]);
    expect((await api.call('PUT', `/v1/reports/photos/${photo}`, { ...as(bob), json: { reason: 'nudity' } })).status).toBe(201);
  });

  it('refuses unknown reasons, over-long text and unknown targets', async () => {
    expect((await api.call('PUT', '/v1/reports/users/mallory', { ...as(bob), json: { reason: 'boring' } })).status).toBe(400);
    expect((await api.call('PUT', '/v1/reports/users/mallory', { ...as(bob), json: { reason: 'spam', text: 'x'.repeat(1001) } })).status).toBe(400);
    const unknown = await api.call('PUT', '/v1/reports/users/nobody', { ...as(bob), json: { reason: 'spam' } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
  });

  it('are listed for moderators oldest first, and resolved once', async () => {
    const list = await cli('--json', 'reports', '--state', 'open');
    expect(list.code, list.err).toBe(0);
    const items = JSON.parse(list.out).items as { target: string; reporter: string }[];
    expect(items.map((r) => `${r.target} ${r.reporter}`)).toEqual(['user:mallory alice', `photo:${photo} bob`]);
    const resolved = await cli('reports', 'resolve', 'user:mallory', 'alice', '--note', 'warned');
    expect(resolved.code, resolved.err).toBe(0);
    expect((await cli('reports', 'resolve', 'user:mallory', 'alice', '--note', 'again')).code).toBe(1);
    expect(JSON.parse((await cli('--json', 'reports')).out).items).toHaveLength(1);
    const done = JSON.parse((await cli('--json', 'reports', 'list', '--state', 'resolved')).out).items;
    expect(done).toMatchObject([{ target: 'user:mallory', state: 'resolved', resolution: 'warned' }]);
  });
});

describe('reports per reporter and hour', () => {
  let bounded: Api;
  beforeAll(async () => {
    bounded = await startApi({ REPORTS_PER_HOUR: '2' });
  });
  afterAll(async () => {
    await bounded.close();
  });

  it('past REPORTS_PER_HOUR a reporter is refused (429 REPORT_RATE_EXCEEDED) and the queue gets nothing; a repeat still answers its report; others still report', async () => {
    const [flooder, other] = [await signUp(bounded, 'flooder'), await signUp(bounded, 'other')];
    for (const name of ['target1', 'target2', 'target3']) await signUp(bounded, name);
    const report = (session: Session, username: string) => bounded.call('PUT', `/v1/reports/users/${username}`, { ...as(session), json: { reason: 'spam' } });
    expect((await report(flooder, 'target1')).status).toBe(201);
    expect((await report(flooder, 'target2')).status).toBe(201);
    const refused = await report(flooder, 'target3');
    expect([refused.status, refused.body.error.code]).toEqual([429, 'REPORT_RATE_EXCEEDED']);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    // A retry of a report filed: the same report (200), not a refusal.
    expect((await report(flooder, 'target2')).status).toBe(200);
    expect((await listReports(bounded.db, 'open')).items.map((r) => `${r.target} ${r.reporter}`)).toEqual(['user:target1 flooder', 'user:target2 flooder']);
    expect((await report(other, 'target3')).status).toBe(201);
  });
});

describe('takedown', () => {
  it('deletes the photo everywhere with its reactions and every file, releases its bytes, and tells its owner why', async () => {
    const files = async () => {
      const found: string[] = [];
      for await (const blob of createLocalBlobStore(api.photosDir).list('v/')) found.push(blob.key);
      return found;
    };
    const used = async () => (await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.storageUse('mallory'), ConsistentRead: true }))).Item?.bytes as number;
    expect((await files()).length).toBeGreaterThan(0);
    expect(await used()).toBeGreaterThan(0);
    const result = await cli('takedown', photo, '--reason', 'nudity');
    expect(result.code, result.err).toBe(0);
    expect((await api.call('GET', `/v1/photos/${photo}`, as(mallory))).status).toBe(404);
    expect((await api.call('GET', '/v1/users/mallory/photos', as(alice))).body.items).toEqual([]);
    const notices = await api.call('GET', '/v1/notices', as(mallory));
    expect(notices.body.items).toEqual([{ photoId: photo, reason: 'nudity', at: expect.stringMatching(/Z$/) }]);
    expect((await api.call('GET', '/v1/notices', as(alice))).body.items).toEqual([]);
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);
    expect(await files()).toEqual([]);
    expect(await used()).toBe(0);
  });
});

describe('suspension', () => {
  it('refuses log-in, refresh and writes, and hides the profile; unsuspend restores all', async () => {
    // Before the suspension: a photo to take down later, and a pending request to a private account.
    const second = await api.call('POST', '/v1/users/mallory/photos', { token: mallory.accessToken, body: imageForm(PNG_1x1) });
    const secondId = photoId('mallory', (second.body.timestamp as string).replace(/Z$/, ''));
    const carol = await signUp(api, 'carol');
    expect((await api.call('PUT', '/v1/account/privacy', { ...as(carol), json: { private: true } })).status).toBe(200);
    expect((await api.call('PUT', '/v1/users/carol/followers/me', as(mallory))).status).toBe(202);
    expect((await cli('suspend', 'mallory', '--reason', 'spam')).code).toBe(0);
    const login = await api.call('POST', '/v1/sessions', { json: { username: 'mallory', password: profile('mallory').password } });
    expect([login.status, login.body.error.code]).toEqual([403, 'ACCOUNT_SUSPENDED']);
    const refresh = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: mallory.refreshToken } });
    expect([refresh.status, refresh.body.error.code]).toEqual([403, 'ACCOUNT_SUSPENDED']);
    // The access token issued before the suspension ended with it: every write is 401 at once.
    const follow = await api.call('PUT', '/v1/users/alice/followers/me', as(mallory));
    expect([follow.status, follow.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    const upload = await api.call('POST', '/v1/users/mallory/photos', { token: mallory.accessToken, body: imageForm(PNG_1x1) });
    expect([upload.status, upload.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    const report = await api.call('PUT', '/v1/reports/users/alice', { ...as(mallory), json: { reason: 'spam' } });
    expect([report.status, report.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    const slot = await api.call('POST', '/v1/users/mallory/uploads', { ...as(mallory), json: { contentLength: PNG_1x1.length, contentType: 'image/png' } });
    expect([slot.status, slot.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    const block = await api.call('PUT', '/v1/blocks/alice', as(mallory));
    expect([block.status, block.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    const hidden = await api.call('GET', '/v1/users/mallory', as(alice));
    expect([hidden.status, hidden.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
    // Privacy, decline and cancel are writes too.
    const privacy = await api.call('PUT', '/v1/account/privacy', { ...as(mallory), json: { private: true } });
    expect([privacy.status, privacy.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    const cancel = await api.call('DELETE', '/v1/users/carol/follow-request', as(mallory));
    expect([cancel.status, cancel.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    expect((await api.call('GET', '/v1/follow-requests', as(carol))).body.items).toHaveLength(1);
    // A moderator still takes a suspended account's photo down, with its one notice.
    const takedown = await cli('takedown', secondId, '--reason', 'spam');
    expect(takedown.code, takedown.err).toBe(0);
    // mallory's access token ended with the suspension: the moderator's view of what is left.
    expect((await getPhoto(api.db, 'mallory', (second.body.timestamp as string).replace(/Z$/, '')).catch((e: { code: string }) => e.code))).toBe('PHOTO_NOT_FOUND');
    const notices = (await listNotices(api.db, 'mallory')).items;
    expect(notices.filter((n) => n.photoId === secondId)).toHaveLength(1);
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);

    expect((await cli('unsuspend', 'mallory')).code).toBe(0);
    const back = await api.call('POST', '/v1/sessions', { json: { username: 'mallory', password: profile('mallory').password } });
    expect(back.status).toBe(201);
    // Tokens from before the suspension stay ended; a new log-in works.
    expect((await api.call('PUT', '/v1/users/alice/followers/me', as(mallory))).status).toBe(401);
    mallory = { ...mallory, accessToken: back.body.accessToken as string, refreshToken: back.body.refreshToken as string };
    expect((await api.call('PUT', '/v1/users/alice/followers/me', as(mallory))).status).toBe(201);
    expect((await api.call('GET', '/v1/users/mallory', as(alice))).status).toBe(200);
  });

  it("takes a suspended account's card out of the lists that show cards: followers, following and a photo's reactions (and its screen)", async () => {
    // mallory follows alice (above); bob follows mallory; mallory reacts to bob's photo.
    expect((await api.call('PUT', '/v1/users/mallory/followers/me', as(bob))).status).toBe(201);
    const bobs = await api.call('POST', '/v1/users/bob/photos', { token: bob.accessToken, body: imageForm(PNG_1x1) });
    const bobsPhoto = photoId('bob', (bobs.body.timestamp as string).replace(/Z$/, ''));
    expect((await api.call('PUT', `/v1/photos/${bobsPhoto}/reactions/heart`, as(mallory))).status).toBe(201);
    expect((await api.call('PUT', `/v1/photos/${bobsPhoto}/reactions/smiley`, as(alice))).status).toBe(201);
    type Carded = { user: { username: string } };
    const names = async (path: string, page: (body: { items: Carded[]; reactionPage?: { items: Carded[] } }) => Carded[] = (body) => body.items) => {
      const answer = await api.call('GET', path, as(alice));
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      return page(answer.body as { items: Carded[] }).map((item) => item.user.username);
    };
    const lists = async () => ({
      followers: await names('/v1/users/alice/followers?expand=profile'),
      following: await names('/v1/users/bob/following?expand=profile'),
      reactions: await names(`/v1/photos/${bobsPhoto}/reactions?expand=profile`),
      screen: await names(`/v1/photos/${bobsPhoto}?expand=reactions`, (body) => body.reactionPage?.items ?? []),
    });
    expect(await lists()).toEqual({ followers: ['mallory'], following: ['mallory'], reactions: expect.arrayContaining(['mallory', 'alice']), screen: expect.arrayContaining(['mallory', 'alice']) });
    await suspendUser(api.db, 'mallory', 'spam');
    // As the profile answers 404, the cards are gone; the other reactor stays.
    expect(await lists()).toEqual({ followers: [], following: [], reactions: ['alice'], screen: ['alice'] });
    await unsuspendUser(api.db, 'mallory');
    expect((await lists()).followers).toEqual(['mallory']);
  });
});
