/* eslint-disable @typescript-eslint/no-unsafe-member-access */
/**
 * Email over real SMTP: an in-process SMTP server (smtp-server from npm) receives what the API
 * sends through nodemailer. Verify email, re-verify after a change, forgot password (the
 * answer never tells whether the account exists; rate-limited per account; single-use token
 * that revokes every session), and the development outbox the CLI shows.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../src/cli/program.js';
import { createOutboxMailer, readOutbox, type OutboxMessage } from '../../src/mail/outbox.js';
import { requestEmailVerification, requestPasswordReset } from '../../src/patterns/index.js';
import { profile, signUp, startApi, type Api } from '../http/support.js';
import { codeIn, startInbox, type Inbox, type Received } from '../support/inbox.js';

let inbox: Inbox;
let api: Api;

/** The messages to `address`, once `count` have arrived (bounded). */
const mailTo = (address: string, count = 1): Promise<Received[]> => inbox.mailTo(address, count);

/**
 * Signs `username` up, asks for a reset of its password and waits for that mail: the proof that
 * mail asked for before it would have arrived by now (resets are issued in order, after answering).
 */
async function mailArrivedAfter(username: string): Promise<void> {
  await signUp(api, username);
  expect((await api.call('POST', '/v1/password-resets', { json: { email: `${username}@example.com` } })).status).toBe(202);
  const mails = await mailTo(`${username}@example.com`, 2);
  expect(mails.map((m) => m.subject)).toContain('Reset your quick-photos password');
}

beforeAll(async () => {
  inbox = await startInbox();
  api = await startApi({ SMTP_URL: `smtp://127.0.0.1:${inbox.port}`, MAIL_FROM: 'quick-photos <no-reply@example.com>' });
});

afterAll(async () => {
  await api.close();
  await inbox.close();
});

describe('verify email', () => {
  it('mails a code at sign-up; the code verifies once; a changed email needs verifying again', async () => {
    const anna = await signUp(api, 'anna');
    const [mail] = await mailTo('anna@example.com');
    expect(mail?.subject).toContain('Confirm your email');
    const code = codeIn(mail);
    expect(code).toMatch(/^anna\.[A-Za-z0-9_-]{43}$/);
    expect((await api.call('GET', '/v1/me', { token: anna.accessToken })).body.emailVerified).toBe(false);

    const verified = await api.call('POST', '/v1/email-verifications', { json: { token: code } });
    expect(verified.status).toBe(200);
    expect((await api.call('GET', '/v1/me', { token: anna.accessToken })).body.emailVerified).toBe(true);
    const again = await api.call('POST', '/v1/email-verifications', { json: { token: code } });
    expect(again.status).toBe(400);
    expect(again.body.error.code).toBe('INVALID_MAIL_TOKEN');

    const changed = await api.call('PATCH', '/v1/me', { token: anna.accessToken, json: { email: 'anna.new@example.com', currentPassword: profile('anna').password } });
    expect(changed.body.emailVerified).toBe(false);
    const [second] = await mailTo('anna.new@example.com');
    expect((await api.call('POST', '/v1/email-verifications', { json: { token: codeIn(second) } })).status).toBe(200);
    expect((await api.call('GET', '/v1/me', { token: anna.accessToken })).body.emailVerified).toBe(true);
  });

  it('refuses forged codes', async () => {
    for (const token of ['anna.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'nobody', 'x.y']) {
      expect((await api.call('POST', '/v1/email-verifications', { json: { token } })).body.error.code).toBe('INVALID_MAIL_TOKEN');
    }
  });
});

describe('forgot password', () => {
  it('answers the same whether or not the account exists, and mails only a real one', async () => {
    await signUp(api, 'ben');
    const known = await api.call('POST', '/v1/password-resets', { json: { email: 'BEN@example.com' } });
    const unknown = await api.call('POST', '/v1/password-resets', { json: { email: 'nobody@example.com' } });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);
    expect(unknown.headers.get('content-length')).toBe(known.headers.get('content-length'));
    const mails = await mailTo('ben@example.com', 2);
    expect(mails.map((m) => m.subject)).toContain('Reset your quick-photos password');
    // A reset asked for after the unknown one has arrived: the unknown one's mail would have come first.
    await mailArrivedAfter('ben-sentinel');
    expect(inbox.received.filter((m) => m.to.includes('nobody@example.com'))).toEqual([]);
  });

  it('sets a new password with the single-use code and revokes every session', async () => {
    const cara = await signUp(api, 'cara');
    await api.call('POST', '/v1/password-resets', { json: { email: 'cara@example.com' } });
    const reset = (await mailTo('cara@example.com', 2)).find((m) => m.subject.includes('Reset'))!;
    const code = codeIn(reset);
    const weak = await api.call('POST', '/v1/password-resets/confirm', { json: { token: code, password: '12345678' } });
    expect(weak.body.error.code).toBe('WEAK_PASSWORD');
    const done = await api.call('POST', '/v1/password-resets/confirm', { json: { token: code, password: 'cara brand new passphrase' } });
    expect(done.status).toBe(204);
    expect((await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: cara.refreshToken } })).status).toBe(401);
    expect((await api.call('POST', '/v1/sessions', { json: { username: 'cara', password: profile('cara').password } })).status).toBe(401);
    expect((await api.call('POST', '/v1/sessions', { json: { username: 'cara', password: 'cara brand new passphrase' } })).status).toBe(201);
    const reuse = await api.call('POST', '/v1/password-resets/confirm', { json: { token: code, password: 'yet another passphrase' } });
    expect(reuse.body.error.code).toBe('INVALID_MAIL_TOKEN');
  });

  it('a code asked for again (a retry whose answer was lost) leaves the first working: either code works, once', async () => {
    await signUp(api, 'retrier');
    const first = await requestPasswordReset(api.db, 'retrier@example.com');
    const second = await requestPasswordReset(api.db, 'retrier@example.com');
    expect(first && second).toBeTruthy();
    const confirm = (token: string) => api.call('POST', '/v1/password-resets/confirm', { json: { token, password: 'retrier brand new passphrase' } });
    expect((await confirm(first!.token)).status).toBe(204);
    // Single use: the reset spent every code of the account, the later one too.
    expect((await confirm(second!.token)).body.error.code).toBe('INVALID_MAIL_TOKEN');
    expect((await confirm(first!.token)).body.error.code).toBe('INVALID_MAIL_TOKEN');

    // The same for verification codes: the one mailed at sign-up still verifies after another was asked for.
    const signedUp = await requestEmailVerification(api.db, 'retrier');
    const again = await requestEmailVerification(api.db, 'retrier');
    expect(signedUp && again).toBeTruthy();
    expect((await api.call('POST', '/v1/email-verifications', { json: { token: signedUp!.token } })).status).toBe(200);
    expect((await api.call('POST', '/v1/email-verifications', { json: { token: again!.token } })).body.error.code).toBe('INVALID_MAIL_TOKEN');
  });

  it('mails at most 3 codes an hour per account, silently', async () => {
    await signUp(api, 'dora');
    for (let i = 0; i < 5; i++) expect((await api.call('POST', '/v1/password-resets', { json: { email: 'dora@example.com' } })).status).toBe(202);
    await mailTo('dora@example.com', 4);
    await mailArrivedAfter('dora-sentinel');
    expect(inbox.received.filter((m) => m.to.includes('dora@example.com') && m.subject.includes('Reset'))).toHaveLength(3);
  });
});

describe('the development outbox', () => {
  it('lists messages sent within one millisecond in the order they were sent', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qp-outbox-'));
    try {
      // A clock that does not move: every message has the same millisecond.
      const mailer = createOutboxMailer('quick-photos <dev@localhost>', dir, undefined, () => Date.parse('2026-12-05T12:00:00.000Z'));
      for (let i = 0; i < 20; i++) await mailer.send({ to: `u${i}@example.com`, subject: `Message ${i}`, text: String(i) });
      const listed = await readOutbox(dir, 20);
      expect(listed.map((m) => m.subject)).toEqual(Array.from({ length: 20 }, (_, i) => `Message ${19 - i}`));
      expect(new Set(listed.map((m) => m.sentAt))).toEqual(new Set(['2026-12-05T12:00:00.000Z']));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('keeps messages as files that `quick-photos mail outbox` prints, newest first', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qp-outbox-'));
    try {
      const seen: OutboxMessage[] = [];
      const mailer = createOutboxMailer('quick-photos <dev@localhost>', dir, (message) => seen.push(message));
      await mailer.send({ to: 'first@example.com', subject: 'First', text: 'one' });
      await mailer.send({ to: 'second@example.com', subject: 'Second', text: 'code: abc' });
      expect(seen.map((m) => m.subject)).toEqual(['First', 'Second']);
      let out = '';
      const sink = new Writable({ write: (chunk: Buffer, _e, cb) => ((out += chunk.toString()), cb()) });
      const code = await run(['mail', 'outbox', '--limit', '1'], { io: { stdout: sink, stderr: sink, stdin: process.stdin }, env: { MAIL_OUTBOX_DIR: dir } });
      expect(code).toBe(0);
      expect(out).toContain('Subject: Second');
      expect(out).toContain('code: abc');
      expect(out).not.toContain('First');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
