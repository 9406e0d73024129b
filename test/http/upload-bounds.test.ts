/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument */
/**
 * Uploads inside their bounds:
 *  - a direct-upload slot reserves its declared size against the storage quota when issued
 *    (both stores); completion settles it to the photo's stored size, expiry releases it,
 *    each exactly once;
 *  - a body slower than the configured minimum rate is cut off with 408 UPLOAD_TOO_SLOW;
 *  - a few accounts trickling bytes cannot hold every upload place: others' uploads go on.
 * Rates and windows are small configured values; nothing here asserts a duration.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../src/schema/keys.js';
import { photoJpeg } from '../support/images.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';
import { imageForm, signUp, startApi, type Api, type Session } from './support.js';
import { waitFor } from '../support/wait.js';

/** undici sets Content-Length itself and refuses a hand-set one. */
const putHeaders = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'));

async function usage(api: Api, username: string): Promise<{ bytes: number; open: number }> {
  const { Item } = await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.storageUse(username), ConsistentRead: true }));
  const open = Item?.openSlots instanceof Set ? Item.openSlots.size : 0;
  return { bytes: typeof Item?.bytes === 'number' ? Item.bytes : 0, open };
}

/** Whether `check` held within `bound` ms (false, not a throw: the caller asserts). */
const until = (check: () => Promise<boolean> | boolean, bound = 20_000): Promise<boolean> =>
  waitFor(check, { what: 'the upload state', timeoutMs: bound }).then(
    () => true,
    () => check(),
  );

describe.each(STORE_KINDS)('quota reservations with the %s store', (kind) => {
  const QUOTA = 200_000;
  let api: Api;
  let store: TestStore;
  let ann: Session;
  const absolute = (url: string) => (url.startsWith('/') ? api.url + url : url);
  const slot = (contentLength: number) => api.call('POST', '/v1/users/ann/uploads', { token: ann.accessToken, json: { contentLength, contentType: 'image/jpeg' } });

  beforeAll(async () => {
    store = await createTestStore(kind);
    // Slots live 5 s; their reservations are released 5 s after that.
    api = await startApi({ STORAGE_QUOTA_BYTES: String(QUOTA), UPLOAD_SLOT_TTL_SECONDS: '5' }, { blobs: store.blobs });
    ann = await signUp(api, 'ann');
  });
  afterAll(async () => {
    await api.close();
    await store.dispose();
  });

  it('reserves a slot\'s size when issued, settles it on completion and releases it once after expiry', async () => {
    // Two slots that together fill the quota: nothing stored yet, yet a third byte is refused.
    const big = await slot(QUOTA - 1000);
    expect(big.status).toBe(201);
    expect(await usage(api, 'ann')).toEqual({ bytes: QUOTA - 1000, open: 1 });
    const refused = await slot(2000);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('STORAGE_QUOTA_EXCEEDED');
    const form = imageForm(await photoJpeg(400, 300), 'a.jpg', 'image/jpeg');
    const multipart = await api.call('POST', '/v1/users/ann/photos', { token: ann.accessToken, body: form });
    expect(multipart.status).toBe(403);

    // Past the big slot's expiry and grace, three slots asked for at once each find its
    // reservation to release: it is given back once, not three times.
    await until(() => Date.now() > Date.parse(String(big.body.expiresAt)) + 5000 + 100);
    const bytes = await photoJpeg(200, 150);
    const three = await Promise.all([1, 2, 3].map(() => slot(bytes.length)));
    expect(three.map((a) => a.status)).toEqual([201, 201, 201]);
    expect(await usage(api, 'ann')).toEqual({ bytes: 3 * bytes.length, open: 3 });

    // Completion charges the stored size in place of the reservation, once.
    const small = three[0]!;
    const put = await fetch(absolute(small.body.url), { method: 'PUT', headers: putHeaders(small.body.headers), body: new Uint8Array(bytes) });
    expect(put.status).toBeLessThan(300);
    const done = await api.call('POST', small.body.completeUrl, { token: ann.accessToken, json: {} });
    expect(done.status).toBe(201);
    const after = await usage(api, 'ann');
    expect(after.open).toBe(2);
    const photoBytes = after.bytes - 2 * bytes.length;
    expect(photoBytes).toBeGreaterThan(0);
    expect(photoBytes).not.toBe(bytes.length);
    // A repeated complete (a phone that lost the answer) answers the same photo and charges nothing.
    const repeat = await api.call('POST', small.body.completeUrl, { token: ann.accessToken, json: {} });
    expect(repeat.status).toBe(200);
    expect(repeat.body.id).toBe(done.body.id);
    expect(await usage(api, 'ann')).toEqual(after);
    // Abandoned bytes (not an image) give their reservation back at once.
    const junk = Buffer.alloc(bytes.length, 7);
    const other = three[1]!;
    expect((await fetch(absolute(other.body.url), { method: 'PUT', headers: putHeaders(other.body.headers), body: new Uint8Array(junk) })).status).toBeLessThan(300);
    expect((await api.call('POST', other.body.completeUrl, { token: ann.accessToken, json: {} })).status).toBe(415);
    expect(await usage(api, 'ann')).toEqual({ bytes: after.bytes - bytes.length, open: 1 });
  });
});

/** A raw PUT of `length` bytes to a local upload URL that sends one byte per `everyMs` (until closed). */
function trickle(api: Api, url: string, length: number, everyMs: number): { socket: Socket; answer: () => string } {
  const { port } = new URL(api.url);
  let seen = '';
  const socket = connect(Number(port), '127.0.0.1', () => {
    socket.write(`PUT ${url} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\nContent-Length: ${length}\r\n\r\n`);
    const timer = setInterval(() => (socket.writable ? socket.write(Buffer.from([0xff])) : clearInterval(timer)), everyMs);
    socket.on('close', () => clearInterval(timer));
  });
  socket.on('data', (d: Buffer) => (seen += d.toString('latin1')));
  socket.on('error', () => undefined);
  return { socket, answer: () => seen };
}

describe('open slots, slow bodies and fair share', () => {
  let tmp: string;
  const apis: Api[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'qp-bounds-tmp-'));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    for (const api of apis) await api.close();
    await rm(tmp, { recursive: true, force: true });
  });

  async function slotUrl(api: Api, session: Session, length: number): Promise<string> {
    const answer = await api.call('POST', `/v1/users/${session.username}/uploads`, { token: session.accessToken, json: { contentLength: length, contentType: 'image/jpeg' } });
    expect(answer.status).toBe(201);
    return String(answer.body.url);
  }

  it('refuses more unfinished slots than the per-user bound (429 UPLOAD_SLOTS_EXCEEDED)', async () => {
    const api = await startApi({ UPLOAD_TMP_DIR: join(tmp, 'slots'), UPLOAD_SLOTS_PER_USER: '5' });
    apis.push(api);
    const bea = await signUp(api, 'bea');
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await api.call('POST', '/v1/users/bea/uploads', { token: bea.accessToken, json: { contentLength: 10, contentType: 'image/jpeg' } }));
    expect(answers.slice(0, 5).every((a) => a.status === 201)).toBe(true);
    expect(answers[5]!.status).toBe(429);
    expect(answers[5]!.body.error.code).toBe('UPLOAD_SLOTS_EXCEEDED');
  });

  it('cuts off a body slower than the minimum rate with 408 UPLOAD_TOO_SLOW, though it never goes idle', async () => {
    const api = await startApi({ UPLOAD_TMP_DIR: join(tmp, 'slow'), UPLOAD_MIN_BYTES_PER_SECOND: '1024', UPLOAD_RATE_WINDOW_MS: '500', UPLOAD_IDLE_TIMEOUT_MS: '60000' });
    apis.push(api);
    const slow = await signUp(api, 'slow');
    const upload = trickle(api, await slotUrl(api, slow, 100_000), 100_000, 50);
    sockets.push(upload.socket);
    expect(await until(() => /^HTTP\/1\.1 \d{3}/.test(upload.answer()))).toBe(true);
    expect(upload.answer()).toMatch(/^HTTP\/1\.1 408/);
    expect(upload.answer()).toContain('"code":"UPLOAD_TOO_SLOW"');
    // The place and the temporary file are freed; a body at a normal pace goes through.
    expect(await until(async () => (await readdir(join(tmp, 'slow')).catch(() => [])).length === 0)).toBe(true);
    const fine = await api.call('POST', '/v1/users/slow/photos', { token: slow.accessToken, body: imageForm(await photoJpeg(64, 64), 'a.jpg', 'image/jpeg') });
    expect(fine.status).toBe(201);
  });

  it('two accounts trickling into every place they may take leave room for a third account', async () => {
    const dir = join(tmp, 'fair');
    // No minimum rate here: the trickles must hold their places for the whole test.
    const api = await startApi({ UPLOAD_TMP_DIR: dir, UPLOADS_TOTAL: '4', UPLOADS_PER_USER: '2', UPLOADS_RESERVED: '1', UPLOAD_MIN_BYTES_PER_SECOND: '0', UPLOAD_IDLE_TIMEOUT_MS: '60000' });
    apis.push(api);
    const [a, b, c] = [await signUp(api, 'amos'), await signUp(api, 'bree'), await signUp(api, 'cleo')];
    const held = async () => (await readdir(dir).catch(() => [])).length;
    const opened: ReturnType<typeof trickle>[] = [];
    for (const session of [a, b, a, b]) {
      const upload = trickle(api, await slotUrl(api, session, 100_000), 100_000, 200);
      sockets.push(upload.socket);
      opened.push(upload);
      // Each is admitted (its temporary file appears) or refused (an answer arrives) before the next.
      const before = opened.length;
      expect(await until(async () => (await held()) + opened.filter((o) => o.answer() !== '').length >= before)).toBe(true);
    }
    // amos took two places, bree one; bree's second would have left no place for anyone else.
    expect(await held()).toBe(3);
    const refused = opened.filter((o) => o.answer() !== '');
    expect(refused.length).toBe(1);
    expect(refused[0]!.answer()).toMatch(/^HTTP\/1\.1 429/);
    expect(refused[0]!.answer()).toContain('"code":"UPLOAD_IN_PROGRESS"');
    // cleo's upload goes on while the trickles still hold their places.
    const answer = await api.call('POST', '/v1/users/cleo/photos', { token: c.accessToken, body: imageForm(await photoJpeg(64, 64), 'a.jpg', 'image/jpeg') });
    expect(answer.status).toBe(201);
    expect(opened.filter((o) => o.answer() !== '').length).toBe(1);
  });
});
