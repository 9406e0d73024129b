/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument */
/**
 * Sessions that survive phones: the refresh grace window, reuse detection revoking the whole
 * family, and failed log-ins throttled per account across API instances, while a shared
 * address (a carrier NAT) still logs in.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import { buildApp } from '../../src/http/app.js';
import { keys } from '../../src/schema/keys.js';
import { caller, listen, profile, signUp, startApi, testConfig, type Api } from './support.js';

let api: Api;

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

const refresh = (token: string) => api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: token } });

describe('refresh grace window', () => {
  it('answers the same successor to a repeated refresh (a lost response), and to concurrent ones', async () => {
    const { refreshToken } = await signUp(api, 'phone1');
    const [a, b] = await Promise.all([refresh(refreshToken), refresh(refreshToken)]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.refreshToken).toBe(a.body.refreshToken);
    const c = await refresh(refreshToken);
    expect(c.body.refreshToken).toBe(a.body.refreshToken);
    expect((await api.call('GET', '/v1/me', { token: c.body.accessToken })).status).toBe(200);
    // The successor rotates normally.
    expect((await refresh(a.body.refreshToken)).status).toBe(200);
  });

  it('treats the old token after its successor was used as reuse: REFRESH_TOKEN_REUSED, and the family is revoked', async () => {
    const { refreshToken } = await signUp(api, 'phone2');
    const next = (await refresh(refreshToken)).body.refreshToken as string;
    const newest = (await refresh(next)).body.refreshToken as string;
    const reuse = await refresh(refreshToken);
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe('REFRESH_TOKEN_REUSED');
    // Whoever held the newest token is signed out too: the thief and the owner alike.
    expect((await refresh(newest)).body.error.code).toBe('INVALID_REFRESH_TOKEN');
  });

  it('treats the old token after the window as reuse', async () => {
    const { refreshToken } = await signUp(api, 'phone3');
    const next = (await refresh(refreshToken)).body.refreshToken as string;
    const familyId = refreshToken.split('.')[1]!;
    // Age the rotation past the 30 s window (the clock is the item's, so move the item).
    await api.db.doc.send(
      new UpdateCommand({ TableName: api.db.table, Key: keys.session('phone3', familyId), UpdateExpression: 'SET rotatedAt = rotatedAt - :s', ExpressionAttributeValues: { ':s': 31 } }),
    );
    expect((await refresh(refreshToken)).body.error.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await refresh(next)).status).toBe(401);
  });

  it('keeps other sessions of the account alive when one family is revoked', async () => {
    const first = await signUp(api, 'phone4');
    const second = await api.call('POST', '/v1/sessions', { json: { username: 'phone4', password: profile('phone4').password } });
    await refresh(first.refreshToken);
    const next = await refresh(first.refreshToken);
    await refresh(next.body.refreshToken);
    expect((await refresh(first.refreshToken)).body.error.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await refresh(second.body.refreshToken)).status).toBe(200);
  });
});

describe('failed log-ins', () => {
  it('are throttled per account across API instances (the count is in the table), with Retry-After', async () => {
    await signUp(api, 'target');
    const other = await buildApp({ db: api.db, client: api.db.client, config: testConfig({ PHOTOS_DIR: api.photosDir, TABLE_NAME: api.db.table }), blobs: createLocalBlobStore(api.photosDir) });
    const otherCall = caller(await listen(other));
    try {
      const wrong = { json: { username: 'target', password: 'not the password' } };
      let beforeFifth = 0;
      for (let i = 0; i < 5; i++) {
        if (i === 4) beforeFifth = Date.now();
        expect((await (i % 2 ? otherCall('POST', '/v1/sessions', wrong) : api.call('POST', '/v1/sessions', wrong))).status).toBe(401);
      }
      // The first lock lasts a whole second from the failure, not to the end of the clock's second.
      const stored = await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.loginThrottle('target') }));
      expect(Number(stored.Item?.lockedUntil) * 1000).toBeGreaterThanOrEqual(beforeFifth + 1000);
      const throttled = await otherCall('POST', '/v1/sessions', wrong);
      expect(throttled.status).toBe(429);
      expect(throttled.body.error.code).toBe('LOGIN_THROTTLED');
      const retryAfter = Number(throttled.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(2);
      // The lock runs out (moved into the past, as the clock would move it past Retry-After)...
      await api.db.doc.send(new UpdateCommand({ TableName: api.db.table, Key: keys.loginThrottle('target'), UpdateExpression: 'SET lockedUntil = :past', ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 } }));
      // ...and one more failure locks again: the right password waits too, guessing cannot outrun the throttle.
      expect((await api.call('POST', '/v1/sessions', wrong)).status).toBe(401);
      expect((await api.call('POST', '/v1/sessions', { json: { username: 'target', password: profile('target').password } })).body.error.code).toBe('LOGIN_THROTTLED');
      // Other accounts are not affected.
      await signUp(api, 'bystander');
      expect((await otherCall('POST', '/v1/sessions', { json: { username: 'bystander', password: profile('bystander').password } })).status).toBe(201);
    } finally {
      await other.close();
    }
  });

  it('let many people behind one address (a carrier NAT) log in: only failures count per address', async () => {
    const nat = await buildApp({
      db: api.db,
      client: api.db.client,
      config: testConfig({ PHOTOS_DIR: api.photosDir, TABLE_NAME: api.db.table, RATE_LIMIT_LOGIN_FAILURES: '3' }),
      blobs: createLocalBlobStore(api.photosDir),
    });
    const call = caller(await listen(nat));
    try {
      const people = ['nat1', 'nat2', 'nat3', 'nat4', 'nat5', 'nat6'];
      for (const person of people) await signUp(api, person);
      for (let round = 0; round < 2; round++) {
        for (const person of people) expect((await call('POST', '/v1/sessions', { json: { username: person, password: profile(person).password } })).status).toBe(201);
      }
      for (let i = 0; i < 3; i++) expect((await call('POST', '/v1/sessions', { json: { username: `nat${i + 1}`, password: 'a wrong guess' } })).status).toBe(401);
      expect((await call('POST', '/v1/sessions', { json: { username: 'nat6', password: 'a wrong guess' } })).body.error.code).toBe('RATE_LIMITED');
    } finally {
      await nat.close();
    }
  });
});
