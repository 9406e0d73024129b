/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return */
/** Accounts, sessions, authentication, profiles, and the error contract, over real HTTP. */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import { createClients } from '../../src/engine/client.js';
import { buildApp } from '../../src/http/app.js';
import { createCursorCodec } from '../../src/patterns/cursor.js';
import { keys } from '../../src/schema/keys.js';
import { caller, JWT_SECRET, listen, profile, signUp, startApi, testConfig, type Api, type Session } from './support.js';

let api: Api;
let alice: Session;
let bob: Session;

beforeAll(async () => {
  api = await startApi();
  alice = await signUp(api, 'alice');
  bob = await signUp(api, 'bob');
});

afterAll(async () => {
  await api.close();
});

const sign = (claims: { sub: string; exp: number; secret?: string; iss?: string; aud?: string }) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub)
    .setIssuer(claims.iss ?? 'quick-photos')
    .setAudience(claims.aud ?? 'quick-photos-api')
    .setIssuedAt(claims.exp - 60)
    .setExpirationTime(claims.exp)
    .sign(new TextEncoder().encode(claims.secret ?? JWT_SECRET));

describe('sign up', () => {
  it('creates the profile and the credentials together, returns tokens, never the password', async () => {
    const answer = await api.call('POST', '/v1/accounts', { json: { ...profile('carol'), interests: ['hiking'] } });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBe('/v1/me');
    // The owner's own (private) view.
    expect(answer.body.user).toEqual({
      username: 'carol', name: 'Name of carol', email: 'carol@example.com', emailVerified: false, birthdate: '1990-05-17',
      address: '', status: '', interests: ['hiking'], followers: 0, following: 0, private: false,
    });
    expect(answer.body.session).toMatchObject({ username: 'carol', tokenType: 'Bearer', expiresIn: 900 });
    expect(JSON.stringify(answer.body)).not.toContain('password-of-carol');

    const credentials = await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.credentials('carol') }));
    expect(credentials.Item?.passwordHash).toMatch(/^scrypt\$/);
    expect(JSON.stringify(credentials.Item)).not.toContain('password-of-carol');

    const read = await api.call('GET', '/v1/users/carol', { token: answer.body.session.accessToken });
    expect(read.status).toBe(200);
    // /users/:username is the public view, the owner included; /me is the private one.
    expect(Object.keys(read.body).sort()).toEqual(['followers', 'following', 'interests', 'name', 'private', 'status', 'username']);
    const me = await api.call('GET', '/v1/me', { token: answer.body.session.accessToken });
    expect(Object.keys(me.body).sort()).toEqual(['address', 'birthdate', 'email', 'emailVerified', 'followers', 'following', 'interests', 'name', 'private', 'status', 'username']);
  });

  it('keeps credentials out of the lab partitions and index ranges', async () => {
    const partition = await api.db.doc.send(
      new QueryCommand({ TableName: api.db.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'USER#alice' } }),
    );
    expect(partition.Items?.map((i) => i.SK)).toEqual(['#METADATA#alice']);
    expect(JSON.stringify(partition.Items)).not.toContain('passwordHash');
  });

  it('answers 409 USER_EXISTS for a taken username and writes nothing', async () => {
    const answer = await api.call('POST', '/v1/accounts', { json: { ...profile('alice'), name: 'Impostor', password: 'another-password' } });
    expect(answer.status).toBe(409);
    expect(answer.body).toEqual({ error: { code: 'USER_EXISTS', message: expect.any(String) } });
    const login = await api.call('POST', '/v1/sessions', { json: { username: 'alice', password: 'another-password' } });
    expect(login.status).toBe(401);
    const user = await api.call('GET', '/v1/users/alice', { token: alice.accessToken });
    expect(user.body.name).toBe('Name of alice');
  });

  it.each([
    ['a bad username', { ...profile('x'), username: 'Bad#Name' }, '/username'],
    ['an unknown field', { ...profile('dave'), admin: true }, '/admin'],
    ['a missing email', { ...profile('dave'), email: undefined }, 'email'],
  ])('rejects %s with 400 VALIDATION_FAILED naming the field', async (_what, body, path) => {
    const answer = await api.call('POST', '/v1/accounts', { json: body });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    expect(JSON.stringify(answer.body.error.details)).toContain(path);
  });

  it('rejects a calendar-invalid birthdate with 400 and creates nothing', async () => {
    const answer = await api.call('POST', '/v1/accounts', { json: { ...profile('erin'), birthdate: '2019-02-31' } });
    expect(answer.status).toBe(400);
    const credentials = await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.credentials('erin') }));
    expect(credentials.Item).toBeUndefined();
  });
});

describe('sessions', () => {
  it('logs in with the right password only; unknown users get the same answer', async () => {
    const ok = await api.call('POST', '/v1/sessions', { json: { username: 'alice', password: 'password-of-alice' } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ username: 'alice', tokenType: 'Bearer' });
    const wrong = await api.call('POST', '/v1/sessions', { json: { username: 'alice', password: 'nope-nope-nope' } });
    const unknown = await api.call('POST', '/v1/sessions', { json: { username: 'nobody', password: 'nope-nope-nope' } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error.code).toBe('INVALID_CREDENTIALS');
  });

  it('rotates refresh tokens: the new one works, the used one never again', async () => {
    const login = await api.call('POST', '/v1/sessions', { json: { username: 'bob', password: 'password-of-bob' } });
    const first = login.body.refreshToken as string;
    const refreshed = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: first } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(first);
    const me = await api.call('GET', '/v1/users/bob', { token: refreshed.body.accessToken });
    expect(me.status).toBe(200);

    // Its successor used, the first token is a reuse (grace-window details: sessions.test.ts).
    const again = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: refreshed.body.refreshToken } });
    expect(again.status).toBe(200);
    const replay = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: first } });
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('REFRESH_TOKEN_REUSED');
  });

  it('stores only a hash of the refresh token', async () => {
    const sessions = await api.db.doc.send(
      new QueryCommand({
        TableName: api.db.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :s)',
        ExpressionAttributeValues: { ':pk': 'ACCOUNT#alice', ':s': 'SESSION#' },
      }),
    );
    expect(sessions.Items?.length).toBeGreaterThan(0);
    const secret = alice.refreshToken.split('.').at(-1) ?? '';
    expect(JSON.stringify(sessions.Items)).not.toContain(secret);
    expect(sessions.Items?.[0]?.expiresAt).toEqual(expect.any(Number));
  });

  it('logs out: the refresh token is revoked', async () => {
    const login = await api.call('POST', '/v1/sessions', { json: { username: 'alice', password: 'password-of-alice' } });
    const out = await api.call('DELETE', '/v1/sessions', { json: { refreshToken: login.body.refreshToken } });
    expect(out.status).toBe(204);
    const refresh = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: login.body.refreshToken } });
    expect(refresh.status).toBe(401);
    const twice = await api.call('DELETE', '/v1/sessions', { json: { refreshToken: login.body.refreshToken } });
    expect(twice.status).toBe(401);
  });

  it.each(['garbage', 'alice.AAAAAAAAAAAAAAAAAAAAAAAA.forged', 'al#ce.AAAAAAAAAAAAAAAA.x'])('rejects the forged refresh token %s with 401', async (token) => {
    const answer = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: token } });
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('INVALID_REFRESH_TOKEN');
  });
});

describe('access tokens', () => {
  it('requires a token on every /v1 read', async () => {
    for (const path of ['/v1/users/alice', '/v1/users/alice/photos', '/v1/users/alice/followers', '/v1/users/alice/following']) {
      const answer = await api.call('GET', path);
      expect(answer.status, path).toBe(401);
      expect(answer.body.error.code).toBe('UNAUTHORIZED');
    }
  });

  it('rejects tampered, foreign-key, wrongly scoped and expired tokens with 401', async () => {
    const [header, payload, signature] = alice.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as { sub: string };
    const asBob = Buffer.from(JSON.stringify({ ...claims, sub: 'bob' })).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const cases = {
      tampered: `${header}.${asBob}.${signature}`,
      otherKey: await sign({ sub: 'alice', exp: now + 600, secret: 'some-other-secret-0123456789abcdefghij' }),
      otherAudience: await sign({ sub: 'alice', exp: now + 600, aud: 'elsewhere' }),
      badSubject: await sign({ sub: 'NOT#A#USER', exp: now + 600 }),
      garbage: 'not-a-jwt',
    };
    for (const [what, token] of Object.entries(cases)) {
      const answer = await api.call('PATCH', '/v1/users/bob', { token, json: { status: 'hacked' } });
      expect(answer.status, what).toBe(401);
      expect(answer.body.error.code, what).toBe('UNAUTHORIZED');
    }
    const expired = await api.call('GET', '/v1/users/alice', { token: await sign({ sub: 'alice', exp: now - 10 }) });
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('TOKEN_EXPIRED');
    const basic = await api.call('GET', '/v1/users/alice', { headers: { authorization: 'Basic YWxpY2U6eA==' } });
    expect(basic.status).toBe(401);
    expect((await api.call('GET', '/v1/users/bob', { token: alice.accessToken })).body.status).toBe('');
  });
});

describe('profiles', () => {
  it('reads any profile with counts; 404 for unknown users; 400 for bad names', async () => {
    const read = await api.call('GET', '/v1/users/bob', { token: alice.accessToken });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ username: 'bob', followers: 0, following: 0 });
    const missing = await api.call('GET', '/v1/users/nobody', { token: alice.accessToken });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('USER_NOT_FOUND');
    const bad = await api.call('GET', '/v1/users/NOT_LOWER', { token: alice.accessToken });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('lets the owner update their profile, and nobody else', async () => {
    const own = await api.call('PATCH', '/v1/users/alice', { token: alice.accessToken, json: { status: 'hello', interests: ['a', 'b'] } });
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ username: 'alice', status: 'hello', interests: ['a', 'b'] });
    const other = await api.call('PATCH', '/v1/users/alice', { token: bob.accessToken, json: { status: 'pwned' } });
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('FORBIDDEN');
    expect((await api.call('GET', '/v1/users/alice', { token: bob.accessToken })).body.status).toBe('hello');
  });

  it('rejects invalid updates with 400 (counters and username are not writable)', async () => {
    for (const body of [{}, { followers: 1000 }, { username: 'eve' }, { email: 'nope' }, { birthdate: '2001-13-01' }]) {
      const answer = await api.call('PATCH', '/v1/users/alice', { token: alice.accessToken, json: body });
      expect(answer.status, JSON.stringify(body)).toBe(400);
      expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    }
  });
});

describe('the error contract', () => {
  it('answers unknown routes with 404 ROUTE_NOT_FOUND in the one error shape', async () => {
    const answer = await api.call('GET', '/v1/nothing-here');
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({ error: { code: 'ROUTE_NOT_FOUND', message: expect.any(String) } });
  });

  it('answers malformed JSON with 400, a foreign media type with 415 and a huge body with 413', async () => {
    const malformed = await api.call('POST', '/v1/sessions', { body: '{"username": ', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('INVALID_JSON');
    const text = await api.call('POST', '/v1/sessions', { body: 'username=alice', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const huge = await api.call('PATCH', '/v1/users/alice', { token: alice.accessToken, json: { status: 'x'.repeat(100_000) } });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('sets security headers and a request id (echoing a sane client one)', async () => {
    const answer = await api.call('GET', '/health', { headers: { 'x-request-id': 'trace-123' } });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ok' });
    expect(answer.headers.get('x-request-id')).toBe('trace-123');
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    const weird = await api.call('GET', '/health', { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(weird.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('is ready when the table and its index are ACTIVE', async () => {
    const answer = await api.call('GET', '/ready');
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'ready', table: api.db.table });
    // No worker runs for this table: the heartbeat is absent and says so.
    expect(answer.body.details.worker).toEqual({ where: 'heartbeat', lagSeconds: null, views: [], stale: true });
  });

  it('serves the OpenAPI document and the docs', async () => {
    const doc = await api.call('GET', '/openapi.json');
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/accounts', '/v1/users/{username}/photos', '/ready']));
    const docs = await api.call('GET', '/docs');
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-type')).toContain('text/html');
  });
});

describe('against a missing table or a dead engine', () => {
  it('answers 503 with no SDK message, and /ready says not ready', async () => {
    const dead = createClients({ endpoint: 'http://127.0.0.1:9', local: true, requestTimeoutMs: 1_000, maxAttempts: 1 });
    const cursors = createCursorCodec('dead-engine-cursor-secret-0123');
    const config = testConfig({ PHOTOS_DIR: api.photosDir });
    const app = await buildApp({ db: { doc: dead.doc, table: 'no-such-table', cursors }, client: dead.client, config, blobs: createLocalBlobStore(api.photosDir) });
    const call = caller(await listen(app));
    try {
      const login = await call('POST', '/v1/sessions', { json: { username: 'alice', password: 'password-of-alice' } });
      expect(login.status).toBe(503);
      expect(login.body.error.code).toBe('ENGINE_UNAVAILABLE');
      expect(login.headers.get('retry-after')).toBe('1');
      expect(JSON.stringify(login.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|at /);
      const ready = await call('GET', '/ready');
      expect(ready.status).toBe(503);
    } finally {
      await app.close();
      dead.client.destroy();
    }

    const config2 = testConfig({ PHOTOS_DIR: api.photosDir });
    const missing = await buildApp({ db: { ...api.db, table: 'missing-table-xyz' }, client: api.db.client, config: config2, blobs: createLocalBlobStore(api.photosDir) });
    const call2 = caller(await listen(missing));
    try {
      const read = await call2('GET', '/v1/users/alice', { token: alice.accessToken });
      expect(read.status).toBe(503);
      expect(read.body.error.code).toBe('TABLE_NOT_FOUND');
      expect((await call2('GET', '/ready')).body.error.code).toBe('TABLE_NOT_FOUND');
    } finally {
      await missing.close();
    }
  });
});

describe('rate limits', () => {
  it('limits failed log-ins per client address with 429 RATE_LIMITED and Retry-After', async () => {
    const config = testConfig({ PHOTOS_DIR: api.photosDir, RATE_LIMIT_LOGIN_FAILURES: '2' });
    const app = await buildApp({ db: api.db, client: api.db.client, config, blobs: createLocalBlobStore(api.photosDir) });
    const call = caller(await listen(app));
    try {
      const bad = { json: { username: 'alice', password: 'wrong-password' } };
      expect((await call('POST', '/v1/sessions', bad)).status).toBe(401);
      expect((await call('POST', '/v1/sessions', bad)).status).toBe(401);
      const limited = await call('POST', '/v1/sessions', bad);
      expect(limited.status).toBe(429);
      expect(limited.body.error.code).toBe('RATE_LIMITED');
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      // Reads are not limited.
      for (let i = 0; i < 4; i++) expect((await call('GET', '/v1/users/alice', { token: alice.accessToken })).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
