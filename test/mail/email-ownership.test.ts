/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument */
/**
 * The email belongs to its owner: taking over an account with one stolen access token must not
 * be possible through the email (change needs the password, the old address is told and can
 * undo, pending codes die, resets never go to an unverified address); "email taken" answers
 * cost an enumerator like wrong passwords and tell the owner; password checks are throttled
 * per session, so a thief never locks the owner's other devices out. Real SMTP, real engine.
 */
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import { buildApp } from '../../src/http/app.js';
import { keys } from '../../src/schema/keys.js';
import { caller, listen, profile, signUp, startApi, testConfig, type Api } from '../http/support.js';
import { codeIn, startInbox, type Inbox } from '../support/inbox.js';
import { waitFor } from '../support/wait.js';

let inbox: Inbox;
let api: Api;
let smtpEnv: Record<string, string>;

beforeAll(async () => {
  inbox = await startInbox();
  smtpEnv = { SMTP_URL: `smtp://127.0.0.1:${inbox.port}`, MAIL_FROM: 'quick-photos <no-reply@example.com>' };
  api = await startApi(smtpEnv);
});

afterAll(async () => {
  await api.close();
  await inbox.close();
});

const subject = (text: string) => (m: { subject: string }) => m.subject.includes(text);
const logIn = (username: string, password = profile(username).password) => api.call('POST', '/v1/sessions', { json: { username, password } });

describe('changing the email', () => {
  it('needs the current password: missing is 400 PASSWORD_REQUIRED, wrong is 403 WRONG_PASSWORD, and nothing changes', async () => {
    const owner = await signUp(api, 'mailowner1');
    const missing = await api.call('PATCH', '/v1/me', { token: owner.accessToken, json: { email: 'elsewhere1@example.com' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.code).toBe('PASSWORD_REQUIRED');
    const wrong = await api.call('PATCH', '/v1/me', { token: owner.accessToken, json: { email: 'elsewhere1@example.com', currentPassword: 'not the password' } });
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('WRONG_PASSWORD');
    // A stolen token alone cannot even learn whether an address is taken: the password comes first.
    await signUp(api, 'mailowner1b');
    const probe = await api.call('PATCH', '/v1/me', { token: owner.accessToken, json: { email: 'mailowner1b@example.com', currentPassword: 'a guess' } });
    expect(probe.body.error.code).toBe('WRONG_PASSWORD');
    // The same rule through /users/:username.
    const viaUsers = await api.call('PATCH', '/v1/users/mailowner1', { token: owner.accessToken, json: { email: 'elsewhere1@example.com' } });
    expect(viaUsers.body.error.code).toBe('PASSWORD_REQUIRED');
    expect((await api.call('GET', '/v1/me', { token: owner.accessToken })).body.email).toBe('mailowner1@example.com');
    // Other profile fields still need no password.
    expect((await api.call('PATCH', '/v1/me', { token: owner.accessToken, json: { status: 'still mine' } })).status).toBe(200);
  });

  it('tells the old address, kills pending reset codes, sends resets only to the sign-up address, and undoes within 7 days', async () => {
    const owner = await signUp(api, 'olga');
    const phone = (await logIn('olga')).body;
    // A reset code is pending when the email changes.
    await api.call('POST', '/v1/password-resets', { json: { email: 'olga@example.com' } });
    const pending = codeIn((await inbox.mailTo('olga@example.com', 1, subject('Reset')))[0]);
    expect(pending).not.toBe('');

    const changed = await api.call('PATCH', '/v1/me', { token: owner.accessToken, json: { email: 'thief-box@example.com', currentPassword: profile('olga').password } });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ email: 'thief-box@example.com', emailVerified: false });
    const [notice] = await inbox.mailTo('olga@example.com', 1, subject('was changed'));
    expect(notice?.text).toContain('t***@example.com');
    expect(notice?.text).not.toContain('thief-box@example.com');
    const undo = codeIn(notice);
    expect(undo).toMatch(/^olga\.[A-Za-z0-9_-]{43}$/);

    // The code mailed before the change is dead.
    const stale = await api.call('POST', '/v1/password-resets/confirm', { json: { token: pending, password: 'a thief chosen passphrase' } });
    expect(stale.body.error.code).toBe('INVALID_MAIL_TOKEN');

    // A reset asked for the new, unverified address goes to the sign-up address only. The reset
    // arriving there proves the request was handled; the new address got only its verification.
    await api.call('POST', '/v1/password-resets', { json: { email: 'thief-box@example.com' } });
    const toOwner = codeIn((await inbox.mailTo('olga@example.com', 2, subject('Reset')))[1]);
    expect(toOwner).toMatch(/^olga\./);
    expect(inbox.received.filter((m) => m.to.includes('thief-box@example.com')).map((m) => m.subject)).toEqual(['Confirm your email for quick-photos']);

    // Undo: the code alone is not enough, it needs a new password (the changer knew the old one).
    const weak = await api.call('POST', '/v1/email-changes/undo', { json: { token: undo, newPassword: 'password' } });
    expect(weak.body.error.code).toBe('WEAK_PASSWORD');
    const undone = await api.call('POST', '/v1/email-changes/undo', { json: { token: undo, newPassword: 'olga takes it back' } });
    expect(undone.status).toBe(200);
    expect(undone.body).toEqual({ username: 'olga' });
    // Every session ended (the thief's and the phone's), the old password is gone.
    expect((await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: owner.refreshToken } })).status).toBe(401);
    expect((await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: phone.refreshToken } })).status).toBe(401);
    expect((await logIn('olga')).status).toBe(401);
    const back = await logIn('olga', 'olga takes it back');
    expect(back.status).toBe(201);
    expect((await api.call('GET', '/v1/me', { token: back.body.accessToken })).body).toMatchObject({ email: 'olga@example.com', emailVerified: true });
    // Single use; the reset code mailed to the owner after the change died with the undo too.
    expect((await api.call('POST', '/v1/email-changes/undo', { json: { token: undo, newPassword: 'once more with feeling' } })).body.error.code).toBe('INVALID_MAIL_TOKEN');
    expect((await api.call('POST', '/v1/password-resets/confirm', { json: { token: toOwner, password: 'another passphrase' } })).body.error.code).toBe('INVALID_MAIL_TOKEN');
    // The thief's address is free again.
    expect((await api.call('POST', '/v1/accounts', { json: { ...profile('thief'), email: 'thief-box@example.com' } })).status).toBe(201);
  });

  it('refuses an undo code older than 7 days', async () => {
    const owner = await signUp(api, 'petra');
    await api.call('PATCH', '/v1/me', { token: owner.accessToken, json: { email: 'petra.two@example.com', currentPassword: profile('petra').password } });
    const undo = codeIn((await inbox.mailTo('petra@example.com', 1, subject('was changed')))[0]);
    const key = keys.mailToken('petra', 'undo-email');
    const stored = await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: key }));
    const [entry] = stored.Item?.entries as { exp: number }[];
    expect(entry!.exp - Date.now() / 1000).toBeGreaterThan(7 * 24 * 3600 - 600);
    expect(entry!.exp - Date.now() / 1000).toBeLessThanOrEqual(7 * 24 * 3600);
    // Seven days later, as the table would see it.
    await api.db.doc.send(
      new UpdateCommand({ TableName: api.db.table, Key: key, UpdateExpression: 'SET entries[0].exp = :past', ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 } }),
    );
    expect((await api.call('POST', '/v1/email-changes/undo', { json: { token: undo, newPassword: 'petra too late now' } })).body.error.code).toBe('INVALID_MAIL_TOKEN');
    expect((await api.call('GET', '/v1/me', { token: owner.accessToken })).body.email).toBe('petra.two@example.com');
  });

  it('keeps the replaced address reserved to the account for the 7 days of the undo: no one can take it, the undo always can; then it is released', async () => {
    const owner = await signUp(api, 'ulla');
    const other = await signUp(api, 'ulla3');
    const changed = await api.call('PATCH', '/v1/me', { token: owner.accessToken, json: { email: 'ulla-new@example.com', currentPassword: profile('ulla').password } });
    expect(changed.status).toBe(200);
    const undo = codeIn((await inbox.mailTo('ulla@example.com', 1, subject('was changed')))[0]);
    // Whoever changed it cannot grab the old address with another account, by sign-up or by a change.
    const grab = await api.call('POST', '/v1/accounts', { json: { ...profile('ulla2'), email: 'ulla@example.com' } });
    expect([grab.status, grab.body.error.code]).toEqual([409, 'EMAIL_TAKEN']);
    const move = await api.call('PATCH', '/v1/me', { token: other.accessToken, json: { email: 'ULLA@example.com', currentPassword: profile('ulla3').password } });
    expect([move.status, move.body.error.code]).toEqual([409, 'EMAIL_TAKEN']);
    // So the undo finds it free: the address is back, verified.
    const undone = await api.call('POST', '/v1/email-changes/undo', { json: { token: undo, newPassword: 'ulla is back in charge' } });
    expect(undone.status).toBe(200);
    const back = (await logIn('ulla', 'ulla is back in charge')).body;
    expect((await api.call('GET', '/v1/me', { token: back.accessToken })).body).toMatchObject({ email: 'ulla@example.com', emailVerified: true });

    // The account may move back to an address it replaced itself, without the undo.
    const password = { currentPassword: 'ulla is back in charge' };
    expect((await api.call('PATCH', '/v1/me', { token: back.accessToken, json: { email: 'ulla-third@example.com', ...password } })).status).toBe(200);
    expect((await api.call('PATCH', '/v1/me', { token: back.accessToken, json: { email: 'ulla@example.com', ...password } })).status).toBe(200);
    expect((await api.call('PATCH', '/v1/me', { token: back.accessToken, json: { email: 'ulla-fourth@example.com', ...password } })).status).toBe(200);
    // Reserved again; seven days later (as the table's clock would see it) it is released, before the TTL reaps the claim.
    const claim = keys.emailClaim('ulla@example.com');
    const reserved = (await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: claim }))).Item;
    expect(reserved).toMatchObject({ username: 'ulla' });
    expect(Number(reserved?.reservedUntil) - Date.now() / 1000).toBeGreaterThan(7 * 24 * 3600 - 600);
    expect(reserved?.expiresAt).toBe(reserved?.reservedUntil);
    await api.db.doc.send(new UpdateCommand({ TableName: api.db.table, Key: claim, UpdateExpression: 'SET reservedUntil = :past', ExpressionAttributeValues: { ':past': Math.floor(Date.now() / 1000) - 1 } }));
    expect((await api.call('POST', '/v1/accounts', { json: { ...profile('ulla2'), email: 'ulla@example.com' } })).status).toBe(201);
  });

  it('holds at most 5 reserved addresses per account: one whose undo code is dropped is released', async () => {
    const owner = await signUp(api, 'wanda');
    // Six changes in a week: wanda@, then w1@..w5@ are replaced; only the last 5 keep an undo code.
    for (let i = 1; i <= 6; i++) {
      const answer = await api.call('PATCH', '/v1/me', { token: owner.accessToken, json: { email: `w${i}@example.com`, currentPassword: profile('wanda').password } });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    }
    const claim = (address: string) => api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.emailClaim(address) })).then((r) => r.Item);
    expect(await claim('wanda@example.com')).toBeUndefined();
    for (let i = 1; i <= 5; i++) expect(await claim(`w${i}@example.com`)).toMatchObject({ username: 'wanda' });
    expect((await api.call('POST', '/v1/accounts', { json: { ...profile('wanda2'), email: 'wanda@example.com' } })).status).toBe(201);
    expect((await api.call('POST', '/v1/accounts', { json: { ...profile('wanda3'), email: 'w1@example.com' } })).status).toBe(409);
  });

  it('releases the addresses still reserved to an account when it is deleted: a new account of the name inherits none', async () => {
    const owner = await signUp(api, 'vera');
    expect((await api.call('PATCH', '/v1/me', { token: owner.accessToken, json: { email: 'vera-new@example.com', currentPassword: profile('vera').password } })).status).toBe(200);
    expect((await api.call('DELETE', '/v1/me', { token: owner.accessToken, json: { password: profile('vera').password } })).status).toBe(202);
    await waitFor(async () => (await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.deletionJob('vera') }))).Item === undefined, { what: 'the deletion job to finish' });
    expect((await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.emailClaim('vera@example.com') }))).Item).toBeUndefined();
    // The name again, with another address: the old one is not its; and anyone may sign up with the old one.
    const again = await api.call('POST', '/v1/accounts', { json: { ...profile('vera'), email: 'vera-again@example.com' } });
    expect(again.status).toBe(201);
    expect((await api.call('POST', '/v1/accounts', { json: { ...profile('vera2'), email: 'vera@example.com' } })).status).toBe(201);
  });

  it('sends resets to the new address once it is verified', async () => {
    const owner = await signUp(api, 'quentin');
    await api.call('PATCH', '/v1/me', { token: owner.accessToken, json: { email: 'quentin.two@example.com', currentPassword: profile('quentin').password } });
    const verification = codeIn((await inbox.mailTo('quentin.two@example.com', 1, subject('Confirm')))[0]);
    expect((await api.call('POST', '/v1/email-verifications', { json: { token: verification } })).status).toBe(200);
    await api.call('POST', '/v1/password-resets', { json: { email: 'quentin.two@example.com' } });
    const [reset] = await inbox.mailTo('quentin.two@example.com', 1, subject('Reset'));
    expect(codeIn(reset)).toMatch(/^quentin\./);
  });
});

describe('"email taken" answers', () => {
  it('at sign-up count against the client address like failed log-ins, and the owner is told once', async () => {
    await signUp(api, 'rosa');
    // A second instance on the same table with a small per-address budget.
    const config = testConfig({ PHOTOS_DIR: api.photosDir, TABLE_NAME: api.db.table, RATE_LIMIT_LOGIN_FAILURES: '3', ...smtpEnv });
    const app = await buildApp({ db: api.db, client: api.db.client, config, blobs: createLocalBlobStore(api.photosDir) });
    const call = caller(await listen(app));
    try {
      for (let i = 0; i < 3; i++) {
        const probe = await call('POST', '/v1/accounts', { json: { ...profile(`prober${i}`), email: 'ROSA@example.com' } });
        expect(probe.body.error.code).toBe('EMAIL_TAKEN');
      }
      const throttled = await call('POST', '/v1/accounts', { json: { ...profile('prober3'), email: 'rosa@example.com' } });
      expect(throttled.status).toBe(429);
      expect(throttled.body.error.code).toBe('RATE_LIMITED');
      // Refused before looking: a free address gets the same answer, so the 429 tells nothing.
      expect((await call('POST', '/v1/accounts', { json: { ...profile('prober4'), email: 'free-one@example.com' } })).body.error.code).toBe('RATE_LIMITED');
      // One budget: the address now guesses no passwords either.
      expect((await call('POST', '/v1/sessions', { json: { username: 'rosa', password: 'a guess' } })).body.error.code).toBe('RATE_LIMITED');

      // Every probe was counted on the owner's account; only the first mailed her.
      const probes = keys.emailProbes('rosa');
      await waitFor(async () => Number((await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: probes, ConsistentRead: true }))).Item?.failures) >= 3, {
        what: 'three probes counted on the owner',
        intervalMs: 25,
      });
      // A later mail to her proves any further notice would have arrived by now.
      await api.call('POST', '/v1/password-resets', { json: { email: 'rosa@example.com' } });
      await inbox.mailTo('rosa@example.com', 1, subject('Reset'));
      const notices = inbox.received.filter((m) => m.to.includes('rosa@example.com') && m.subject.includes('Someone tried'));
      expect(notices).toHaveLength(1);
      expect(notices[0]?.text).toContain('sign up');
    } finally {
      await app.close();
    }
  });

  it('at email change cost the asking session like wrong passwords (429 PASSWORD_THROTTLED) and tell the owner', async () => {
    await signUp(api, 'sonja');
    const prober = await signUp(api, 'prober-s');
    const attempt = () =>
      api.call('PATCH', '/v1/me', { token: prober.accessToken, json: { email: 'sonja@example.com', currentPassword: profile('prober-s').password } });
    // Five free answers, then each further one waits longer: the throttle answers within a few.
    const codes: string[] = [];
    for (let i = 0; i < 12 && !codes.includes('PASSWORD_THROTTLED'); i++) codes.push((await attempt()).body.error.code);
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('EMAIL_TAKEN'));
    expect(codes.at(-1)).toBe('PASSWORD_THROTTLED');
    const [notice] = await inbox.mailTo('sonja@example.com', 1, subject('Someone tried'));
    expect(notice?.text).toContain('move another quick-photos account');
    // The prober's other work goes on.
    expect((await api.call('PATCH', '/v1/me', { token: prober.accessToken, json: { status: 'just looking' } })).status).toBe(200);
  });
});

describe('password checks of a signed-in session', () => {
  it('are throttled per session: a thief guessing with a stolen token never locks the owner out of a device that logged in before', async () => {
    const stolen = await signUp(api, 'tilda');
    const phone = (await logIn('tilda')).body;
    const wrongChange = () => api.call('POST', '/v1/me/password', { token: stolen.accessToken, json: { currentPassword: 'guess', newPassword: 'thief passphrase here' } });
    const wrongDelete = () => api.call('DELETE', '/v1/me', { token: stolen.accessToken, json: { password: 'guess' } });
    const codes: string[] = [];
    for (let i = 0; i < 12 && !codes.includes('PASSWORD_THROTTLED'); i++) codes.push((await (i % 2 ? wrongDelete() : wrongChange())).body.error.code);
    expect(codes.slice(0, 5)).toEqual(Array(5).fill('WRONG_PASSWORD'));
    expect(codes.at(-1)).toBe('PASSWORD_THROTTLED');
    // As after a long run of guesses: the thief's session waits for minutes, even with the right password.
    const sessionThrottle = (await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.passwordThrottle('tilda', stolen.refreshToken.split('.')[1]!) }))).Item;
    expect(Number(sessionThrottle?.failures)).toBeGreaterThanOrEqual(5);
    await api.db.doc.send(
      new UpdateCommand({
        TableName: api.db.table,
        Key: keys.passwordThrottle('tilda', stolen.refreshToken.split('.')[1]!),
        UpdateExpression: 'SET lockedUntil = :later',
        ExpressionAttributeValues: { ':later': Math.floor(Date.now() / 1000) + 600 },
      }),
    );
    const right = await api.call('DELETE', '/v1/me', { token: stolen.accessToken, json: { password: profile('tilda').password } });
    expect(right.status).toBe(429);
    expect(right.body.error.code).toBe('PASSWORD_THROTTLED');
    expect(Number(right.headers.get('retry-after'))).toBeGreaterThan(500);

    // Strangers' failed log-ins lock new log-ins, never a device that is signed in.
    for (let i = 0; i < 12 && (await logIn('tilda', 'stranger guess')).body.error.code !== 'LOGIN_THROTTLED'; i++);
    expect((await logIn('tilda')).body.error.code).toBe('LOGIN_THROTTLED');
    const refreshed = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: phone.refreshToken } });
    expect(refreshed.status).toBe(200);
    // The owner's phone changes the password (ending the thief's session) despite both throttles.
    const changed = await api.call('POST', '/v1/me/password', { token: refreshed.body.accessToken, json: { currentPassword: profile('tilda').password, newPassword: 'tilda locks the thief out' } });
    expect(changed.status).toBe(200);
    expect((await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: stolen.refreshToken } })).status).toBe(401);
  });
});
