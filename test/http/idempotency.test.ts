/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument */
/**
 * Idempotency-Key on every creating POST, against the real engine and both blob stores: a
 * retried upload (multipart or direct) with the same key answers the first answer and stores
 * one photo; another body with the key is refused (422); concurrent same-key requests make one
 * effect; keys expire, are scoped per account id, and go with their account.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishDeletion, requestEmailVerification, requestPasswordReset, startAccountDeletion } from '../../src/patterns/index.js';
import { keys, ranges } from '../../src/schema/keys.js';
import { photoJpeg } from '../support/images.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';
import { imageForm, PNG_1x1, profile, signUp, startApi, type Api, type Session } from './support.js';

function form(bytes: Buffer, caption?: string): FormData {
  // A new FormData each time: a retry's multipart boundary differs, its content does not.
  const body = new FormData();
  if (caption !== undefined) body.append('caption', caption);
  body.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'photo.jpg');
  return body;
}

const withoutContentLength = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'));

async function keptKeys(api: Api, username: string): Promise<Record<string, unknown>[]> {
  const result = await api.db.doc.send(
    new QueryCommand({ TableName: api.db.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': ranges.idempotencyOf(username).pk }, ConsistentRead: true }),
  );
  return result.Items ?? [];
}

describe.each(STORE_KINDS)('idempotent uploads with the %s store', (kind) => {
  let api: Api;
  let store: TestStore;
  let alice: Session;
  const absolute = (url: string) => (url.startsWith('/') ? api.url + url : url);
  const photos = async () => (await api.call('GET', '/v1/users/alice/photos', { token: alice.accessToken })).body.items as { id: string }[];
  const post = (bytes: Buffer, key: string, caption?: string) =>
    api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: form(bytes, caption), headers: { 'idempotency-key': key } });

  beforeAll(async () => {
    store = await createTestStore(kind);
    // Room for four uploads of one user at once: the concurrency below is the key's, not the gate's.
    api = await startApi({ UPLOADS_PER_USER: '4' }, { blobs: store.blobs });
    alice = await signUp(api, 'alice');
  });
  afterAll(async () => {
    await api.close();
    await store.dispose();
  });

  it('a retried multipart upload with the same key answers the same photo, and one photo is stored', async () => {
    const bytes = await photoJpeg(64, 48);
    const first = await post(bytes, 'upload-0001-retried', 'sunset');
    expect(first.status).toBe(201);
    const files = await store.keys();
    const again = await post(bytes, 'upload-0001-retried', 'sunset');
    expect([again.status, again.body, again.headers.get('location'), again.headers.get('idempotent-replayed')]).toEqual([201, first.body, first.headers.get('location'), 'true']);
    expect((await photos()).map((p) => p.id)).toEqual([first.body.id]);
    expect(await store.keys()).toEqual(files);
    // Without a key the same bytes are a new photo, as before.
    expect((await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: form(bytes, 'sunset') })).status).toBe(201);
    expect(await photos()).toHaveLength(2);
  });

  it('the same key with other bytes or another caption is refused (422), and stores nothing', async () => {
    const key = 'upload-0002-reused';
    const first = await post(await photoJpeg(32, 24), key, 'one');
    expect(first.status).toBe(201);
    const before = (await photos()).length;
    const otherBytes = await post(await photoJpeg(33, 24), key, 'one');
    expect([otherBytes.status, otherBytes.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    const otherCaption = await post(await photoJpeg(32, 24), key, 'two');
    expect([otherCaption.status, otherCaption.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(await photos()).toHaveLength(before);
  });

  it('concurrent requests with one key make one photo; the others are told it is in flight or get its answer', async () => {
    const bytes = await photoJpeg(50, 50);
    const before = (await photos()).length;
    const answers = await Promise.all([1, 2, 3, 4].map(() => post(bytes, 'upload-0003-concurrent')));
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const a of answers) expect(a.status === 201 ? a.body.id : a.body.error.code).toBe(a.status === 201 ? created[0]!.body.id : 'IDEMPOTENCY_KEY_IN_FLIGHT');
    expect(await photos()).toHaveLength(before + 1);
    const later = await post(bytes, 'upload-0003-concurrent');
    expect([later.status, later.body.id]).toEqual([201, created[0]!.body.id]);
  });

  it('a direct upload: the retried slot request answers the same slot, the retried complete the same photo', async () => {
    const bytes = await photoJpeg(40, 30);
    const headers = { 'idempotency-key': 'slot-0004-retried' };
    const json = { contentLength: bytes.length, contentType: 'image/jpeg' };
    const slot = await api.call('POST', '/v1/users/alice/uploads', { token: alice.accessToken, json, headers });
    expect(slot.status).toBe(201);
    const again = await api.call('POST', '/v1/users/alice/uploads', { token: alice.accessToken, json, headers });
    expect([again.status, again.body]).toEqual([201, slot.body]);
    const put = await fetch(absolute(slot.body.url), { method: 'PUT', headers: withoutContentLength(slot.body.headers), body: new Uint8Array(bytes) });
    expect(put.status).toBeLessThan(300);
    const complete = (key: string) =>
      api.call('POST', slot.body.completeUrl, { token: alice.accessToken, json: { caption: 'direct' }, headers: { 'idempotency-key': key } });
    const done = await complete('complete-0004-retried');
    expect(done.status).toBe(201);
    const replayed = await complete('complete-0004-retried');
    expect([replayed.status, replayed.body, replayed.headers.get('idempotent-replayed')]).toEqual([201, done.body, 'true']);
    // A repeat under a new key is still the same photo: the slot remembers it (200).
    const repeat = await complete('complete-0004-other-key');
    expect([repeat.status, repeat.body.id]).toEqual([200, done.body.id]);
    expect((await photos()).filter((p) => p.id === done.body.id)).toHaveLength(1);
  });
});

describe('Idempotency-Key', () => {
  let api: Api;
  let bob: Session;

  beforeAll(async () => {
    api = await startApi();
    bob = await signUp(api, 'bob');
  });
  afterAll(async () => {
    await api.close();
  });

  const slot = (session: Session, key: string, contentLength = 1000) =>
    api.call('POST', `/v1/users/${session.username}/uploads`, { token: session.accessToken, json: { contentLength, contentType: 'image/jpeg' }, headers: { 'idempotency-key': key } });

  it('must be 8-128 printable characters (400 IDEMPOTENCY_KEY_INVALID); the draft\'s quoted form is the same key', async () => {
    for (const bad of ['short', 'has space in it', 'x'.repeat(129), 'tab\there-123']) {
      const answer = await slot(bob, bad);
      expect([bad, answer.status, answer.body.error.code]).toEqual([bad, 400, 'IDEMPOTENCY_KEY_INVALID']);
    }
    const bare = await slot(bob, 'quoted-key-0001');
    const quoted = await slot(bob, '"quoted-key-0001"');
    expect([quoted.status, quoted.body]).toEqual([201, bare.body]);
  });

  it('retried sign-up answers the same account and session; another body with the key is refused', async () => {
    const headers = { 'idempotency-key': 'signup-0001-retried' };
    const first = await api.call('POST', '/v1/accounts', { json: profile('carol'), headers });
    expect(first.status).toBe(201);
    const again = await api.call('POST', '/v1/accounts', { json: profile('carol'), headers });
    expect([again.status, again.body]).toEqual([201, first.body]);
    const other = await api.call('POST', '/v1/accounts', { json: { ...profile('carol'), name: 'Someone else' }, headers });
    expect([other.status, other.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    // Without the key, the name is simply taken.
    expect((await api.call('POST', '/v1/accounts', { json: profile('carol') })).status).toBe(409);
    // Nothing the table holds reads back as the key, the tokens or the password.
    const stored = JSON.stringify(await keptKeys(api, 'carol'));
    for (const secret of ['signup-0001-retried', first.body.session.refreshToken, profile('carol').password, 'carol@example.com']) expect(stored).not.toContain(secret);
  });

  it('an emailed code used again with its key answers as the first use did (without the key: INVALID_MAIL_TOKEN)', async () => {
    const ivy = await signUp(api, 'ivy');
    const reset = await requestPasswordReset(api.db, 'ivy@example.com');
    const json = { token: reset!.token, password: 'a brand new passphrase' };
    const headers = { 'idempotency-key': 'reset-confirm-0001' };
    expect((await api.call('POST', '/v1/password-resets/confirm', { json, headers })).status).toBe(204);
    const again = await api.call('POST', '/v1/password-resets/confirm', { json, headers });
    expect([again.status, again.headers.get('idempotent-replayed')]).toEqual([204, 'true']);
    expect((await api.call('POST', '/v1/password-resets/confirm', { json })).body.error.code).toBe('INVALID_MAIL_TOKEN');
    // The reset ended the old session; the new password works.
    expect((await api.call('GET', '/v1/me', { token: ivy.accessToken })).status).toBe(401);
    expect((await api.call('POST', '/v1/sessions', { json: { username: 'ivy', password: json.password } })).status).toBe(201);

    const verification = await requestEmailVerification(api.db, 'ivy');
    const code = { token: verification!.token };
    const first = await api.call('POST', '/v1/email-verifications', { json: code, headers: { 'idempotency-key': 'verify-0001' } });
    expect([first.status, first.body]).toEqual([200, { username: 'ivy', emailVerified: true }]);
    const repeat = await api.call('POST', '/v1/email-verifications', { json: code, headers: { 'idempotency-key': 'verify-0001' } });
    expect([repeat.status, repeat.body]).toEqual([200, first.body]);
  });

  it('are scoped per account: another account\'s same key is its own request', async () => {
    const dana = await signUp(api, 'dana');
    const mine = await slot(bob, 'shared-key-0001');
    const hers = await slot(dana, 'shared-key-0001');
    expect([mine.status, hers.status]).toEqual([201, 201]);
    expect(hers.body.uploadId).not.toBe(mine.body.uploadId);
  });

  it('a retried resumable start answers the same upload and reserves its size once; another body with the key is refused', async () => {
    const start = (key: string, contentLength: number) =>
      api.call('POST', '/v1/users/bob/resumable-uploads', { token: bob.accessToken, json: { contentLength, contentType: 'image/jpeg' }, headers: { 'idempotency-key': key } });
    const usage = async () => {
      const { Item } = await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.storageUse('bob'), ConsistentRead: true }));
      return { bytes: Number(Item?.bytes ?? 0), open: Item?.openSlots instanceof Set ? Item.openSlots.size : 0 };
    };
    const before = await usage();
    const first = await start('resumable-0001-retried', 7000);
    expect(first.status).toBe(201);
    const again = await start('resumable-0001-retried', 7000);
    expect([again.status, again.body.uploadId, again.headers.get('idempotent-replayed')]).toEqual([201, first.body.uploadId, 'true']);
    // One reservation: the retry took no second slot and no second share of the quota.
    expect(await usage()).toEqual({ bytes: before.bytes + 7000, open: before.open + 1 });
    const other = await start('resumable-0001-retried', 8000);
    expect([other.status, other.body.error.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(await usage()).toEqual({ bytes: before.bytes + 7000, open: before.open + 1 });
    expect((await api.call('DELETE', first.body.abortUrl, { token: bob.accessToken })).status).toBe(204);
  });

  it('a failed first attempt keeps nothing: the retry runs again', async () => {
    const tooBig = await slot(bob, 'retry-after-failure', 10 ** 12);
    expect(tooBig.status).toBe(413);
    const second = await slot(bob, 'retry-after-failure', 10 ** 12);
    expect([second.status, second.headers.get('idempotent-replayed')]).toEqual([413, null]);
  });

  it('expire: past its expiresAt (TTL) a key is free again (test/idempotency-keys.test.ts: also while the item is still there)', async () => {
    const first = await slot(bob, 'expiring-key-0001', 1000);
    expect(first.status).toBe(201);
    const items = await keptKeys(api, 'bob');
    // Kept for a day (the table's TTL attribute).
    for (const item of items) expect(Number(item.expiresAt) - Date.now() / 1000).toBeGreaterThan(86_000);
    // The key refuses another body while it lives...
    expect((await slot(bob, 'expiring-key-0001', 2000)).status).toBe(422);
    // ...and the day passes: every key's TTL attribute in the past, not yet deleted by TTL.
    for (const item of items) {
      await api.db.doc.send(new UpdateCommand({ TableName: api.db.table, Key: { PK: item.PK, SK: item.SK }, UpdateExpression: 'SET expiresAt = :past', ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 } }));
    }
    const fresh = await slot(bob, 'expiring-key-0001', 2000);
    expect([fresh.status, fresh.headers.get('idempotent-replayed')]).toEqual([201, null]);
    expect(fresh.body.uploadId).not.toBe(first.body.uploadId);
  });

  it('a session that ended gets no kept answer (401)', async () => {
    const erin = await signUp(api, 'erin');
    expect((await slot(erin, 'ended-session-0001')).status).toBe(201);
    expect((await api.call('DELETE', '/v1/me/sessions', { token: erin.accessToken })).status).toBe(200);
    const replay = await slot(erin, 'ended-session-0001');
    expect([replay.status, replay.body.error.code]).toEqual([401, 'SESSION_ENDED']);
  });

  it('a repeated delete of one\'s photo answers as the first did (204), and releases its bytes once', async () => {
    const upload = await api.call('POST', '/v1/users/bob/photos', { token: bob.accessToken, body: imageForm(PNG_1x1) });
    expect(upload.status).toBe(201);
    const usage = async () => (await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.storageUse('bob'), ConsistentRead: true }))).Item?.bytes as number;
    const before = await usage();
    expect((await api.call('DELETE', `/v1/photos/${upload.body.id}`, { token: bob.accessToken })).status).toBe(204);
    const after = await usage();
    expect(after).toBeLessThan(before);
    expect((await api.call('DELETE', `/v1/photos/${upload.body.id}`, { token: bob.accessToken })).status).toBe(204);
    expect(await usage()).toBe(after);
    // Still only the owner may ask.
    const gina = await signUp(api, 'gina');
    expect((await api.call('DELETE', `/v1/photos/${upload.body.id}`, { token: gina.accessToken })).status).toBe(403);
  });

  it('go with their account: deletion removes them, and a new account of the name inherits none', async () => {
    const frank = await signUp(api, 'frank');
    const headers = { 'idempotency-key': 'frank-signup-0001' };
    const before = await slot(frank, 'frank-slot-0001');
    expect(before.status).toBe(201);
    expect(await keptKeys(api, 'frank')).toHaveLength(1);
    await startAccountDeletion(api.db, 'frank');
    expect(await finishDeletion(api.db, 'frank', { deleteFiles: () => Promise.resolve(), deleteUserFiles: () => Promise.resolve() })).toBe('done');
    expect(await keptKeys(api, 'frank')).toEqual([]);

    const signedUp = await api.call('POST', '/v1/accounts', { json: profile('frank'), headers });
    expect(signedUp.status).toBe(201);
    const again: Session = { username: 'frank', accessToken: signedUp.body.session.accessToken, refreshToken: signedUp.body.session.refreshToken };
    const after = await slot(again, 'frank-slot-0001');
    expect([after.status, after.headers.get('idempotent-replayed')]).toEqual([201, null]);
    expect(after.body.uploadId).not.toBe(before.body.uploadId);
  });
});

describe('a keyed retry of an upload that used the last of its bounds', () => {
  let api: Api;
  let hal: Session;
  beforeAll(async () => {
    api = await startApi({ UPLOADS_PER_HOUR: '1' });
    hal = await signUp(api, 'hal');
  });
  afterAll(async () => {
    await api.close();
  });

  it('still answers its photo; a new upload is refused as before', async () => {
    const bytes = await photoJpeg(32, 20);
    const send = (headers: Record<string, string> = {}) => api.call('POST', '/v1/users/hal/photos', { token: hal.accessToken, body: form(bytes), headers });
    const first = await send({ 'idempotency-key': 'last-upload-0001' });
    expect(first.status).toBe(201);
    const retried = await send({ 'idempotency-key': 'last-upload-0001' });
    expect([retried.status, retried.body.id]).toEqual([201, first.body.id]);
    const another = await send({ 'idempotency-key': 'next-upload-0002' });
    expect([another.status, another.body.error.code]).toEqual([429, 'UPLOAD_RATE_EXCEEDED']);
    expect((await send()).status).toBe(429);
  });
});
