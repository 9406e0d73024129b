/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment */
/**
 * Password hashing cannot starve the service (issue 8): scrypt shares libuv's four threads
 * with file reads, so unbounded, a burst of log-ins queues every image download behind all
 * of their hashes. With the gate, an image requested mid-burst is served while the burst is
 * still hashing; past the queue, log-ins are refused with 503 PASSWORD_HASHING_BUSY; and a
 * taken username costs no hash at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import { DEFAULT_HASHING, configureHashing, hashingStats } from '../../src/patterns/index.js';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_PASSWORD_HASH_COST, loadConfig } from '../../src/config/index.js';
import { keys } from '../../src/schema/keys.js';
import { waitFor } from '../support/wait.js';
import { caller, imageForm, listen, PNG_1x1, profile, signUp, startApi, testConfig, type Api, type Session } from './support.js';

let api: Api;
let alice: Session;
let imagePath: string;

beforeAll(async () => {
  // The production cost: the file is about what a real hash does to the thread pool.
  api = await startApi({ PASSWORD_HASH_COST: String(DEFAULT_PASSWORD_HASH_COST) });
  alice = await signUp(api, 'alice');
  const upload = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: imageForm(PNG_1x1) });
  expect(upload.status).toBe(201);
  imagePath = upload.body.imageUrl;
});

afterAll(async () => {
  configureHashing(DEFAULT_HASHING);
  await api.close();
});

describe('bounded password hashing', () => {
  it('serves an image requested in the middle of a log-in burst before the burst is over', async () => {
    // Enough that, unbounded, twice the bound below would finish first (BURST - 4 = 8).
    const BURST = 12;
    let done = 0;
    const logins = Array.from({ length: BURST }, () =>
      api.call('POST', '/v1/sessions', { json: { username: 'alice', password: profile('alice').password } }).then((answer) => {
        done++;
        return answer;
      }),
    );
    // Once every log-in has reached the gate (running or waiting there), ask for the image.
    await waitFor(
      () => {
        const { active, waiting } = hashingStats();
        return waiting > 0 && active + waiting + done === BURST;
      },
      { what: 'every log-in of the burst to reach the hashing gate', intervalMs: 5 },
    );
    const before = done;
    const image = await api.call('GET', imagePath, { token: alice.accessToken });
    const during = done - before;
    expect(image.status).toBe(200);
    // The feed-size WebP variant of the upload, by its signed URL.
    expect(image.headers.get('content-type')).toBe('image/webp');
    expect(image.bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');
    const answers = await Promise.all(logins);
    expect(answers.every((a) => a.status === 201)).toBe(true);
    // Unbounded, the image's file read waits behind every queued hash (about BURST - 4 more
    // log-ins finish first); bounded to 2 hashes at once, a pool thread is always free.
    expect(during, `${during} log-ins finished while the image was being served`).toBeLessThanOrEqual(4);
    expect(hashingStats().peak).toBeLessThanOrEqual(DEFAULT_HASHING.concurrency);
  });

  it('does not hash a password for a taken username or email', async () => {
    const before = hashingStats().computed;
    const taken = await api.call('POST', '/v1/accounts', { json: { ...profile('ALICE'), email: 'other@example.com' } });
    expect(taken.status).toBe(409);
    expect(taken.body.error.code).toBe('USER_EXISTS');
    const email = await api.call('POST', '/v1/accounts', { json: { ...profile('zed'), email: 'ALICE@example.com' } });
    expect(email.status).toBe(409);
    expect(email.body.error.code).toBe('EMAIL_TAKEN');
    expect(hashingStats().computed).toBe(before);
  });

  it('hashes at the production cost by default (N = 2^15), and tests at PASSWORD_HASH_COST', async () => {
    expect(loadConfig({ JWT_SECRET: 'x'.repeat(32) }).accounts.hashCost).toBe(15);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32), DYNAMODB_ENDPOINT: 'http://127.0.0.1:9', PASSWORD_HASH_COST: '10' })).toThrow(/PASSWORD_HASH_COST/);
    const stored = await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.credentials('alice') }));
    expect(String(stored.Item?.passwordHash)).toMatch(/^scrypt\$32768\$8\$1\$/);
  });

  it('refuses log-ins past the queue with 503 PASSWORD_HASHING_BUSY and Retry-After', async () => {
    const config = testConfig({ PHOTOS_DIR: api.photosDir, TABLE_NAME: api.db.table, PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE: '1', PASSWORD_HASH_COST: String(DEFAULT_PASSWORD_HASH_COST) });
    const app = await buildApp({ db: api.db, client: api.db.client, config, blobs: createLocalBlobStore(api.photosDir) });
    const call = caller(await listen(app));
    try {
      const refusedBefore = hashingStats().refused;
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => call('POST', '/v1/sessions', { json: { username: 'alice', password: profile('alice').password } })),
      );
      const busy = answers.filter((a) => a.status === 503);
      expect(answers.filter((a) => a.status === 201).length).toBeGreaterThanOrEqual(2);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy.length + answers.filter((a) => a.status === 201).length).toBe(8);
      expect(busy[0]?.body.error.code).toBe('PASSWORD_HASHING_BUSY');
      expect(busy[0]?.headers.get('retry-after')).toBe('1');
      expect(hashingStats().refused - refusedBefore).toBe(busy.length);
    } finally {
      await app.close();
    }
  });
});
