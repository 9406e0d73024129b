/**
 * The routes that need no access token: sign up, log in, refresh, log out, confirm an email,
 * and the forgotten-password flow.
 */
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { emailTakenMessage, passwordResetMessage, verificationMessage, type Mailer, type MailMessage } from '../../mail/index.js';
import {
  Credentials,
  createSession,
  recordEmailProbe,
  requestEmailVerification,
  requestPasswordReset,
  ResetConfirm,
  ResetRequest,
  resetPassword,
  revokeSession,
  rotateSession,
  resumeSignUp,
  signUpAndSignIn,
  SignUp,
  verifyLogin,
  verifyEmail,
  MailToken,
  mailTokenAccount,
  undoEmailChange,
  UndoEmailChange,
  type RefreshGrant,
} from '../../patterns/index.js';
import { perMinute, PUBLIC, type RouteContext, type RouteOptions } from '../context.js';
import { isDomainError } from '../../errors.js';
import { keyedAttempt, keyedEffect } from '../idempotency.js';
import { errorsFor, PrivateUser, RefreshBody, Tokens } from '../schemas.js';
import { privateUserView } from '../views.js';

/** Sends in the background: the answer neither waits for the mail server nor reveals by its timing whether mail went out. */
export function sendLater(mailer: Mailer, log: FastifyBaseLogger, message: MailMessage | undefined): void {
  if (!message) return;
  mailer.send(message).catch((error: unknown) => log.warn({ err: error, subject: message.subject }, 'mail not sent'));
}

/** Mails a verification code for the user's current email (if not verified and not asked too often). */
export async function mailVerification(ctx: RouteContext, log: FastifyBaseLogger, username: string): Promise<void> {
  const issued = await requestEmailVerification(ctx.db, username);
  if (issued) sendLater(ctx.mailer, log, verificationMessage(issued.email, issued.token, ctx.config.mail.linkBase));
}

/**
 * Runs a step whose refusal teaches a guesser something (a wrong password, an email that is
 * taken): refused up front while the client address has used up its failures for the minute,
 * and counted against it when refused. An "email taken" answer also tells the address's owner
 * (at most once per 15 minutes), in the background.
 */
export async function guarded<T>(
  ctx: RouteContext,
  request: FastifyRequest,
  step: () => Promise<T>,
  probe?: { email: string; attempt: 'sign-up' | 'email-change' },
): Promise<T> {
  ctx.failures.check(request.ip);
  try {
    return await step();
  } catch (error) {
    if (isDomainError(error) && ['WRONG_PASSWORD', 'INVALID_CREDENTIALS', 'EMAIL_TAKEN'].includes(error.code)) ctx.failures.record(request.ip);
    if (isDomainError(error) && error.code === 'EMAIL_TAKEN' && probe !== undefined) {
      const log = request.log;
      recordEmailProbe(ctx.db, probe.email)
        .then((to) => sendLater(ctx.mailer, log, to === undefined ? undefined : emailTakenMessage(to, probe.attempt)))
        .catch((failure: unknown) => log.warn({ err: failure }, 'email probe not recorded'));
    }
    throw error;
  }
}

export async function tokensFor(ctx: RouteContext, grant: RefreshGrant) {
  const access = await ctx.tokens.issue(grant.username, { accountId: grant.accountId, sessionId: grant.sessionId });
  return { username: grant.username, tokenType: 'Bearer' as const, ...access, refreshToken: grant.refreshToken, refreshExpiresAt: grant.expiresAt };
}

/** An emailed code names its account: a retry of its use is scoped there (src/http/idempotency.ts). */
const byMailToken = { account: (body: unknown) => mailTokenAccount((body as { token: string }).token) };

export const accountRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config } = ctx;
  const limit = { config: perMinute(config.http.rateLimit.authPerMinute) };
  const ttl = config.http.refreshTokenTtlSeconds;
  const failures = ctx.failures;

  app.post(
    '/accounts',
    {
      config: { ...limit.config, idempotent: { account: (body) => (body as SignUp).username.toLowerCase() } },
      schema: {
        operationId: 'signUp',
        tags: ['accounts'],
        security: PUBLIC,
        summary: 'Sign up: creates the profile, its credentials and its email claim together, signs in, and mails a verification code',
        description:
          'Usernames are case-insensitive: any case is accepted and the lower-case form is kept. One account per email. ' +
          'An EMAIL_TAKEN answer counts against the client address like a failed log-in (429 RATE_LIMITED once used up), ' +
          "and the address's owner is told by mail (at most once per 15 minutes).",
        body: SignUp,
        response: {
          201: Type.Object({ user: PrivateUser, session: Tokens }, { title: 'SignUpResult' }),
          ...errorsFor({ 400: ['WEAK_PASSWORD'], 409: ['USER_EXISTS', 'EMAIL_TAKEN', 'USERNAME_BEING_DELETED'], 413: [], 415: [], 429: [], 503: ['PASSWORD_HASHING_BUSY'] }),
        },
      },
    },
    async (request, reply) => {
      // The account and its first session are one write: a failure before it leaves neither, so a
      // retry runs again. One whose write applied but whose answer failed finds its own account:
      // the same keyed request is signed in to it (sign-up-resume.ts), anything else is USER_EXISTS.
      const attempt = keyedAttempt(request);
      const device = request.headers['user-agent'];
      const signedUp = await guarded(ctx, request, () => signUpAndSignIn(db, request.body, ttl, device, attempt?.id), { email: request.body.email, attempt: 'sign-up' }).catch(
        async (error: unknown) => {
          const resumed = attempt && isDomainError(error) && error.code === 'USER_EXISTS' ? await resumeSignUp(db, request.body.username, attempt, ttl, device) : undefined;
          if (!resumed) throw error;
          return resumed;
        },
      );
      const user = signedUp.user;
      const session = await tokensFor(ctx, signedUp.session);
      // The account exists now: a code not issued must not fail the sign-up (its keyed retry would
      // find the name taken). The owner asks again at POST /v1/me/email-verification.
      await mailVerification(ctx, request.log, user.username).catch((error: unknown) => request.log.warn({ err: error }, 'verification code not issued at sign-up'));
      return reply.status(201).header('location', '/v1/me').send({ user: privateUserView(user, ctx.media.urlsFor(request)), session });
    },
  );

  app.post(
    '/sessions',
    {
      schema: {
        operationId: 'logIn',
        tags: ['accounts'],
        security: PUBLIC,
        summary: 'Log in: a short-lived access token and a rotating refresh token',
        description:
          'Failed log-ins are throttled per account (shared by every instance: 5 free, then 1, 2, 4... seconds) and per client address ' +
          '(failures only, so many users behind one address can still log in).',
        body: Credentials,
        response: {
          201: Tokens,
          ...errorsFor({
            400: [],
            401: ['INVALID_CREDENTIALS'],
            403: ['ACCOUNT_SUSPENDED', 'ACCOUNT_DELETED'],
            413: [],
            415: [],
            429: ['LOGIN_THROTTLED'],
            503: ['PASSWORD_HASHING_BUSY'],
          }),
        },
      },
    },
    async (request, reply) => {
      failures.check(request.ip);
      let login: { username: string; accountId: string | undefined };
      try {
        login = await verifyLogin(db, request.body);
      } catch (error) {
        if (isDomainError(error) && error.code === 'INVALID_CREDENTIALS') failures.record(request.ip);
        throw error;
      }
      return reply.status(201).send(await tokensFor(ctx, await createSession(db, login.username, ttl, login.accountId, request.headers['user-agent'])));
    },
  );

  app.post(
    '/sessions/refresh',
    {
      ...limit,
      schema: {
        operationId: 'refreshSession',
        tags: ['accounts'],
        security: PUBLIC,
        summary: 'Exchange a refresh token for a new pair',
        description:
          'The same refresh token presented again within 30 seconds returns the same successor (a phone that lost the answer stays ' +
          'signed in). Presented later, or after its successor was used, it is a reuse: every session of that log-in is revoked ' +
          'and the answer is 401 REFRESH_TOKEN_REUSED.',
        body: RefreshBody,
        response: {
          200: Tokens,
          ...errorsFor({ 400: [], 401: ['INVALID_REFRESH_TOKEN', 'REFRESH_TOKEN_REUSED'], 403: ['ACCOUNT_SUSPENDED', 'ACCOUNT_DELETED'], 413: [], 415: [], 429: [], 503: [] }),
        },
      },
    },
    async (request) => tokensFor(ctx, await rotateSession(db, request.body.refreshToken, ttl)),
  );

  app.delete(
    '/sessions',
    {
      ...limit,
      schema: {
        operationId: 'logOut',
        tags: ['accounts'],
        security: PUBLIC,
        summary: 'Log out: revokes this refresh token and, at once, the access tokens issued from it',
        body: RefreshBody,
        response: { 204: Type.Null(), ...errorsFor({ 400: [], 401: ['INVALID_REFRESH_TOKEN'], 413: [], 415: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      await revokeSession(db, request.body.refreshToken, config.http.accessTokenTtlSeconds);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/email-verifications',
    {
      config: { ...limit.config, idempotent: byMailToken },
      schema: {
        operationId: 'verifyEmail',
        tags: ['accounts'],
        security: PUBLIC,
        summary: 'Confirm an email address with the code mailed to it (single use, expires in 24 hours)',
        body: Type.Object({ token: MailToken }, { additionalProperties: false, title: 'EmailVerification' }),
        response: {
          200: Type.Object({ username: Type.String(), emailVerified: Type.Literal(true) }, { title: 'EmailVerified' }),
          ...errorsFor({ 400: ['INVALID_MAIL_TOKEN'], 413: [], 415: [], 429: [], 503: [] }),
        },
      },
    },
    async (request) => ({ username: await keyedEffect(request, () => verifyEmail(db, request.body.token)), emailVerified: true as const }),
  );

  app.post(
    '/password-resets',
    {
      ...limit,
      schema: {
        operationId: 'requestPasswordReset',
        tags: ['accounts'],
        security: PUBLIC,
        summary: 'Forgot password: mails a reset code if an account has this email',
        description:
          'The answer is the same whether or not an account exists. At most 3 codes an hour per account, and the per-address limit. ' +
          'The code goes to the account\'s address only when it is verified; otherwise to its recovery address (the last verified one, ' +
          'else the one it signed up with), so an address set with a stolen token never receives it.',
        body: ResetRequest,
        response: { 202: Type.Object({ status: Type.Literal('accepted') }, { title: 'Accepted' }), ...errorsFor({ 400: [], 413: [], 415: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      const log = request.log;
      const email = request.body.email;
      // Looked up after answering, so the time taken says nothing about the account either.
      setImmediate(() => {
        requestPasswordReset(db, email)
          .then((issued) => sendLater(ctx.mailer, log, issued && passwordResetMessage(issued.email, issued.token, config.mail.linkBase)))
          .catch((error: unknown) => log.warn({ err: error }, 'password reset not issued'));
      });
      return reply.status(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/email-changes/undo',
    {
      config: { ...limit.config, idempotent: byMailToken },
      schema: {
        operationId: 'undoEmailChange',
        tags: ['accounts'],
        security: PUBLIC,
        summary: 'Undo an email change with the code mailed to the replaced address (single use, 7 days)',
        description:
          'Whoever changed the email knew the password, so undoing sets a new one: every session of the account ends. The replaced ' +
          'address comes back, verified (the code reached it), and every pending code of the account dies. If another account ' +
          'claimed the address since, the answer is 409 EMAIL_TAKEN (the new password stands).',
        body: UndoEmailChange,
        response: {
          200: Type.Object({ username: Type.String() }, { title: 'EmailChangeUndone' }),
          ...errorsFor({
            400: ['INVALID_MAIL_TOKEN', 'WEAK_PASSWORD'],
            403: ['ACCOUNT_DELETED', 'ACCOUNT_SUSPENDED'],
            404: ['USER_NOT_FOUND'],
            409: ['EMAIL_TAKEN'],
            413: [],
            415: [],
            429: [],
            503: ['PASSWORD_HASHING_BUSY'],
          }),
        },
      },
    },
    // Two transactions (the password, then the address): a retry after the first runs both again, as the code is spent by the second.
    async (request) => ({ username: await undoEmailChange(db, request.body.token, request.body.newPassword) }),
  );

  app.post(
    '/password-resets/confirm',
    {
      config: { ...limit.config, idempotent: byMailToken },
      schema: {
        operationId: 'resetPassword',
        tags: ['accounts'],
        security: PUBLIC,
        summary: 'Set a new password with a mailed reset code (single use); signs out every session',
        body: ResetConfirm,
        response: {
          204: Type.Null(),
          ...errorsFor({ 400: ['INVALID_MAIL_TOKEN', 'WEAK_PASSWORD'], 403: ['ACCOUNT_DELETED'], 404: ['USER_NOT_FOUND'], 413: [], 415: [], 429: [], 503: ['PASSWORD_HASHING_BUSY'] }),
        },
      },
    },
    async (request, reply) => {
      await keyedEffect(request, () => resetPassword(db, request.body.token, request.body.password));
      return reply.status(204).send(null);
    },
  );
  done();
};
