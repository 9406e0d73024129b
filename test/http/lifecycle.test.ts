/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment */
/**
 * The account lifecycle over HTTP: case-insensitive usernames, one account per email,
 * password rules, profile text rules, change password, log out everywhere, delete my account.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAccountDeletion } from '../../src/patterns/index.js';
import { keys } from '../../src/schema/keys.js';
import { imageForm, PNG_1x1, profile, signUp, startApi, type Api, type Session } from './support.js';
import { waitFor } from '../support/wait.js';

let api: Api;
let alice: Session;

beforeAll(async () => {
  api = await startApi();
  alice = await signUp(api, 'alice');
});

afterAll(async () => {
  await api.close();
});

const eventually = (check: () => Promise<boolean>) => waitFor(check, { what: 'the account deletion to finish', timeoutMs: 10_000 });

describe('usernames', () => {
  it('accepts any case at sign-up and log-in, and keeps the lower-case form', async () => {
    const answer = await api.call('POST', '/v1/accounts', { json: { ...profile('Carol.Smith'), password: 'carol smith passphrase' } });
    expect(answer.status).toBe(201);
    expect(answer.body.user.username).toBe('carol.smith');
    const login = await api.call('POST', '/v1/sessions', { json: { username: 'CAROL.SMITH', password: 'carol smith passphrase' } });
    expect(login.status).toBe(201);
    expect(login.body.username).toBe('carol.smith');
    const again = await api.call('POST', '/v1/accounts', { json: { ...profile('carol.SMITH'), email: 'other-carol@example.com' } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('USER_EXISTS');
  });

  it('explains a bad username in words, not as a regular expression', async () => {
    const answer = await api.call('POST', '/v1/accounts', { json: { ...profile('x'), username: 'no spaces!' } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.message).toContain('letters, digits, underscores, dots or hyphens');
    expect(answer.body.error.message).not.toMatch(/[[\]^$]/);
  });
});

describe('one account per email', () => {
  it('refuses an email another account has, whatever its case', async () => {
    const answer = await api.call('POST', '/v1/accounts', { json: { ...profile('dave'), email: 'ALICE@Example.com' } });
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('EMAIL_TAKEN');
  });

  it('moves the claim when the email changes: the old one is reserved for the undo window, then free; the new one taken, and it needs verifying again', async () => {
    const erin = await signUp(api, 'erin');
    const changed = await api.call('PATCH', '/v1/me', { token: erin.accessToken, json: { email: 'Erin.New@example.com', currentPassword: profile('erin').password } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ email: 'Erin.New@example.com', emailVerified: false });
    expect((await api.call('PATCH', '/v1/me', { token: alice.accessToken, json: { email: 'erin.new@EXAMPLE.com', currentPassword: profile('alice').password } })).body.error.code).toBe('EMAIL_TAKEN');
    // Reserved to erin while the change can be undone (test/mail/email-ownership.test.ts), free once the window is over.
    expect((await api.call('POST', '/v1/accounts', { json: { ...profile('frank'), email: 'erin@example.com' } })).status).toBe(409);
    await api.db.doc.send(
      new UpdateCommand({ TableName: api.db.table, Key: keys.emailClaim('erin@example.com'), UpdateExpression: 'SET reservedUntil = :past', ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 } }),
    );
    const old = await api.call('POST', '/v1/accounts', { json: { ...profile('frank'), email: 'erin@example.com' } });
    expect(old.status).toBe(201);
    const claim = await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.emailClaim('erin.new@example.com') }));
    expect(claim.Item?.username).toBe('erin');
  });
});

describe('passwords', () => {
  it.each([['password'], ['12345678'], ['        '], ['short'], ['qwertyuiop'], ['gina-user']])('refuses %j with 400 WEAK_PASSWORD', async (password) => {
    const answer = await api.call('POST', '/v1/accounts', { json: { ...profile('gina-user'), password } });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('WEAK_PASSWORD');
  });

  it('normalises passwords (NFKC): the full-width form typed on one keyboard logs in as the plain one', async () => {
    const created = await api.call('POST', '/v1/accounts', { json: { ...profile('hana'), password: 'ｆｕｌｌｗｉｄｔｈ ｐａｓｓ' } });
    expect(created.status).toBe(201);
    expect((await api.call('POST', '/v1/sessions', { json: { username: 'hana', password: 'fullwidth pass' } })).status).toBe(201);
  });
});

describe('profile text and birthdates', () => {
  it.each([
    ['a bidirectional override in the name', { name: 'evil\u202Egnp.exe' }],
    ['a control character in the status', { status: 'bell\u0007' }],
    ['an isolate in an interest', { interests: ['a\u2066b'] }],
    ['a birthdate before 1900', { birthdate: '1850-01-01' }],
    ['a birthdate in the future', { birthdate: '2999-01-01' }],
    ['a date that is not one', { birthdate: '2001-02-29' }],
  ])('refuses %s with 400', async (_what, change) => {
    const answer = await api.call('PATCH', '/v1/me', { token: alice.accessToken, json: change });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('keeps line breaks in addresses (the lab data has them)', async () => {
    const answer = await api.call('PATCH', '/v1/me', { token: alice.accessToken, json: { address: '1 Main St\nSpringfield' } });
    expect(answer.status).toBe(200);
    expect(answer.body.address).toBe('1 Main St\nSpringfield');
  });
});

describe('sessions', () => {
  it('changing the password needs the current one and revokes every session, returning a fresh one', async () => {
    const ivan = await signUp(api, 'ivan');
    const other = await api.call('POST', '/v1/sessions', { json: { username: 'ivan', password: profile('ivan').password } });
    const wrong = await api.call('POST', '/v1/me/password', { token: ivan.accessToken, json: { currentPassword: 'not it at all', newPassword: 'ivan new passphrase' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('WRONG_PASSWORD');
    const weak = await api.call('POST', '/v1/me/password', { token: ivan.accessToken, json: { currentPassword: profile('ivan').password, newPassword: 'password' } });
    expect(weak.body.error.code).toBe('WEAK_PASSWORD');
    const changed = await api.call('POST', '/v1/me/password', { token: ivan.accessToken, json: { currentPassword: profile('ivan').password, newPassword: 'ivan new passphrase' } });
    expect(changed.status).toBe(200);
    for (const token of [ivan.refreshToken, other.body.refreshToken]) {
      expect((await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: token } })).status).toBe(401);
    }
    expect((await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: changed.body.refreshToken } })).status).toBe(200);
    expect((await api.call('POST', '/v1/sessions', { json: { username: 'ivan', password: profile('ivan').password } })).status).toBe(401);
    expect((await api.call('POST', '/v1/sessions', { json: { username: 'ivan', password: 'ivan new passphrase' } })).status).toBe(201);
  });

  it('logs out everywhere: every refresh token of the account stops working', async () => {
    const june = await signUp(api, 'june');
    const second = await api.call('POST', '/v1/sessions', { json: { username: 'june', password: profile('june').password } });
    const answer = await api.call('DELETE', '/v1/me/sessions', { token: june.accessToken });
    expect(answer.status).toBe(200);
    expect(answer.body.revoked).toBe(2);
    for (const token of [june.refreshToken, second.body.refreshToken]) {
      expect((await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: token } })).status).toBe(401);
    }
  });
});

describe('delete my account', () => {
  it('answers 401 SESSION_ENDED to every write of a marked account: its access tokens ended with the deletion', async () => {
    const lena = await signUp(api, 'lena');
    const photo = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: imageForm(PNG_1x1) });
    await startAccountDeletion(api.db, 'lena');
    const writes: [string, string][] = [
      ['PUT', `/v1/photos/${photo.body.id}/reactions/heart`],
      ['DELETE', `/v1/photos/${photo.body.id}/reactions/heart`],
      ['PUT', '/v1/users/alice/followers/me'],
    ];
    for (const [method, path] of writes) {
      const answer = await api.call(method, path, { token: lena.accessToken });
      expect(answer.status, `${method} ${path}`).toBe(401);
      expect(answer.body.error.code).toBe('SESSION_ENDED');
    }
    expect((await api.call('POST', '/v1/users/lena/photos', { token: lena.accessToken, body: imageForm(PNG_1x1) })).body.error.code).toBe('SESSION_ENDED');
  });

  it("hides a marked account from others at once, as a suspended one: its profile, photos and photo are 404, HEAD as GET", async () => {
    const mia = await signUp(api, 'mia');
    const upload = await api.call('POST', '/v1/users/mia/photos', { token: mia.accessToken, body: imageForm(PNG_1x1) });
    expect(upload.status).toBe(201);
    const paths = ['/v1/users/mia', '/v1/users/mia/photos', `/v1/photos/${String(upload.body.id)}`];
    for (const path of paths) expect((await api.call('GET', path, { token: alice.accessToken })).status, path).toBe(200);
    // Marked, not yet emptied (the job runs in the background): lists already leave it out, and so does every read of it.
    await startAccountDeletion(api.db, 'mia');
    for (const path of paths) {
      for (const method of ['GET', 'HEAD']) expect((await api.call(method, path, { token: alice.accessToken })).status, `${method} ${path}`).toBe(404);
    }
  });

  it('needs the password, refuses every write at once, then removes the account in the background', async () => {
    const kate = await signUp(api, 'kate');
    const upload = await api.call('POST', '/v1/users/kate/photos', { token: kate.accessToken, body: new FormData() });
    expect(upload.status).toBe(400);
    expect((await api.call('PUT', '/v1/users/alice/followers/me', { token: kate.accessToken })).status).toBe(201);
    expect((await api.call('DELETE', '/v1/me', { token: kate.accessToken, json: { password: 'wrong wrong wrong' } })).body.error.code).toBe('WRONG_PASSWORD');

    const answer = await api.call('DELETE', '/v1/me', { token: kate.accessToken, json: { password: profile('kate').password } });
    expect(answer.status).toBe(202);
    // The access token ended with the deletion's start.
    const write = await api.call('PATCH', '/v1/me', { token: kate.accessToken, json: { status: 'still here?' } });
    expect(write.status).toBe(401);
    expect((await api.call('POST', '/v1/sessions', { json: { username: 'kate', password: profile('kate').password } })).status).toBe(401);
    expect((await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: kate.refreshToken } })).status).toBe(401);

    // Hidden from others from the mark on; gone once the job has emptied the account.
    expect((await api.call('GET', '/v1/users/kate', { token: alice.accessToken })).status).toBe(404);
    await eventually(async () => (await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.user('kate') }))).Item === undefined);
    await eventually(async () => (await api.call('GET', '/v1/users/alice', { token: alice.accessToken })).body.followers === 0);
    // The name and the email are free again.
    expect((await api.call('POST', '/v1/accounts', { json: profile('kate') })).status).toBe(201);
  });
});
