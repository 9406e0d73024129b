/**
 * /v1/me: the signed-in user's own account. The first call an app makes after log-in
 * (GET /v1/me, the private view), profile changes, password, sessions, and deletion.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { deletePhotoFiles, deleteUserFiles, discardUpload } from '../../blobs/index.js';
import { errors, isDomainError } from '../../errors.js';
import { deleteDerivedOf } from '../../derived/store/index.js';
import {
  changePassword,
  checkSessionPassword,
  createSession,
  finishDeletion,
  getUser,
  PasswordChange,
  recordSessionFailure,
  endAllSessions,
  endSession,
  listSessions,
  publicSessionId,
  startAccountDeletion,
  updateProfile,
} from '../../patterns/index.js';
import { photoSk } from '../../schema/keys.js';
import type { Photo, User } from '../../schema/entities/index.js';
import type { UploadSlot } from '../../patterns/index.js';
import { outsideSession } from '../../patterns/acting.js';
import { BEARER, perMinute, type RouteContext, type RouteOptions } from '../context.js';
import { errorsFor, PrivateUser, ProfileUpdateBody, Tokens } from '../schemas.js';
import { photoRef, privateUserView } from '../views.js';
import { emailChangedMessage } from '../../mail/index.js';
import { guarded, mailVerification, sendLater, tokensFor } from './accounts.js';

type ProfileBody = Static<typeof ProfileUpdateBody>;

/** The PATCH body as the data layer takes it: a pinned photo id becomes its stored reference. */
export function profileInput(username: string, body: ProfileBody): Record<string, unknown> {
  const { pinnedPhotoId, currentPassword: _password, ...fields } = body;
  if (pinnedPhotoId === undefined) return fields;
  if (pinnedPhotoId === null) return { ...fields, pinnedImage: null };
  const ref = photoRef(pinnedPhotoId);
  if (ref.username !== username) {
    throw errors.validation('pinnedPhotoId must be one of your own photos.', [{ path: '/pinnedPhotoId', message: 'not your photo' }]);
  }
  return { ...fields, pinnedImage: photoSk(ref.username, ref.timestamp) };
}

/**
 * Updates the caller's profile. A new email needs the current password; it is claimed, marked
 * unverified and mailed a code, and the replaced address is told, with a code that undoes the
 * change. Wrong passwords and "email taken" answers count against the client address and this
 * session (src/http/routes/accounts.ts guarded).
 */
export async function updateOwnProfile(ctx: RouteContext, request: FastifyRequest, username: string, body: ProfileBody) {
  const auth = { sessionId: request.sessionId, currentPassword: body.currentPassword };
  const step = () => updateProfile(ctx.db, username, profileInput(username, body), auth);
  const { user, change } =
    body.email === undefined
      ? await step()
      : await guarded(
          ctx,
          request,
          async () => {
            try {
              return await step();
            } catch (error) {
              // Learning that an address is taken costs this session as much as a wrong password.
              if (isDomainError(error) && error.code === 'EMAIL_TAKEN') await recordSessionFailure(ctx.db, username, request.sessionId);
              throw error;
            }
          },
          { email: body.email, attempt: 'email-change' },
        );
  if (change) {
    sendLater(ctx.mailer, request.log, emailChangedMessage(change.previous, user.email, change.undoToken, ctx.config.mail.linkBase));
    await mailVerification(ctx, request.log, username);
  }
  return privateUserView(user, ctx.media.urlsFor(request));
}

export const meRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config, blobs } = ctx;
  // Deletion jobs this app runs in the background; closing pauses them (they resume on the next start).
  const running = new Set<Promise<unknown>>();
  let closing = false;
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };
  const auth = { config: perMinute(config.http.rateLimit.authPerMinute) };
  const profileErrors = {
    400: ['PASSWORD_REQUIRED'],
    401: [],
    403: ['ACCOUNT_DELETED', 'WRONG_PASSWORD'],
    404: ['USER_NOT_FOUND', 'PHOTO_NOT_FOUND'],
    409: ['EMAIL_TAKEN'],
    413: [],
    415: [],
    429: ['PASSWORD_THROTTLED'],
    503: ['PASSWORD_HASHING_BUSY'],
  };

  app.addHook('onClose', async () => {
    closing = true;
    await Promise.allSettled([...running]);
  });

  app.get(
    '/me',
    {
      schema: {
        operationId: 'getMe',
        tags: ['me'],
        summary: 'Your own profile, with the private fields (email, birthdate, address, settings)',
        security: BEARER,
        response: { 200: PrivateUser, ...errorsFor({ 401: [], 404: ['USER_NOT_FOUND'], 503: [] }) },
      },
    },
    async (request) => privateUserView(await getUser(db, request.username), ctx.media.urlsFor(request)),
  );

  app.patch(
    '/me',
    {
      ...writes,
      schema: {
        operationId: 'updateMe',
        tags: ['me'],
        summary: 'Update your profile (a new email needs currentPassword and must be confirmed again; pinnedPhotoId null unpins)',
        description:
          'Changing the email needs currentPassword (400 PASSWORD_REQUIRED, 403 WRONG_PASSWORD). The replaced address is mailed a ' +
          'notice with a code that undoes the change for 7 days (POST /v1/email-changes/undo); pending verification and reset codes ' +
          'die. Wrong passwords and EMAIL_TAKEN answers are throttled per session (429 PASSWORD_THROTTLED) and per client address.',
        security: BEARER,
        body: ProfileUpdateBody,
        response: { 200: PrivateUser, ...errorsFor(profileErrors) },
      },
    },
    async (request) => updateOwnProfile(ctx, request, request.username, request.body),
  );

  app.post(
    '/me/email-verification',
    {
      config: { ...auth.config, idempotent: true },
      schema: {
        operationId: 'sendEmailVerification',
        tags: ['me'],
        summary: 'Mail a new verification code to your email (at most 3 an hour)',
        security: BEARER,
        body: Type.Object({}, { additionalProperties: false, title: 'EmptyRequest', description: 'Send {}' }),
        response: { 202: Type.Object({ status: Type.Literal('accepted') }, { title: 'Accepted' }), ...errorsFor({ 400: [], 401: [], 404: ['USER_NOT_FOUND'], 413: [], 415: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      await mailVerification(ctx, request.log, request.username);
      return reply.status(202).send({ status: 'accepted' as const });
    },
  );

  app.post(
    '/me/password',
    {
      ...auth,
      schema: {
        operationId: 'changePassword',
        tags: ['me'],
        summary: 'Change your password (needs the current one): every session is revoked and a new one is returned',
        security: BEARER,
        body: PasswordChange,
        response: {
          200: Tokens,
          ...errorsFor({
            400: ['WEAK_PASSWORD'],
            401: [],
            403: ['WRONG_PASSWORD', 'ACCOUNT_DELETED'],
            404: ['USER_NOT_FOUND'],
            413: [],
            415: [],
            429: ['PASSWORD_THROTTLED'],
            503: ['PASSWORD_HASHING_BUSY'],
          }),
        },
      },
    },
    async (request) => {
      await guarded(ctx, request, () => changePassword(db, request.username, request.sessionId, request.body));
      return tokensFor(ctx, await createSession(db, request.username, config.http.refreshTokenTtlSeconds, request.acting.accountId, request.headers['user-agent']));
    },
  );

  app.delete(
    '/me/sessions',
    {
      ...writes,
      schema: {
        operationId: 'logOutEverywhere',
        tags: ['me'],
        summary: 'Log out everywhere: revokes every refresh token of your account and, at once, every access token',
        security: BEARER,
        response: { 200: Type.Object({ revoked: Type.Integer({ minimum: 0 }) }, { title: 'SessionsRevoked' }), ...errorsFor({ 401: [], 429: [], 503: [] }) },
      },
    },
    async (request) => ({ revoked: await endAllSessions(db, request.username) }),
  );

  const SessionView = Type.Object(
    {
      id: Type.String({ description: 'Opaque; DELETE /v1/me/sessions/{sessionId} ends this session' }),
      createdAt: Type.String({ format: 'date-time', description: 'The log-in' }),
      lastUsedAt: Type.String({ format: 'date-time', description: 'The last token refresh (the log-in if none since)' }),
      expiresAt: Type.String({ format: 'date-time', description: 'When its refresh token expires unless used' }),
      device: Type.Optional(Type.String({ description: 'A summary of the client that logged in ("Firefox on Linux"), when recorded' })),
      current: Type.Boolean({ description: 'The session this request was made with' }),
    },
    { title: 'SessionSummary' },
  );

  app.get(
    '/me/sessions',
    {
      schema: {
        operationId: 'listSessions',
        tags: ['me'],
        summary: 'Where you are logged in: your live sessions, most recently used first (at most 100)',
        security: BEARER,
        response: { 200: Type.Object({ items: Type.Array(SessionView) }, { title: 'SessionSummaryList' }), ...errorsFor({ 401: [], 503: [] }) },
      },
    },
    async (request) => {
      const current = request.sessionId === undefined ? undefined : publicSessionId(request.sessionId);
      const sessions = await listSessions(db, request.username, request.acting.accountId);
      return { items: sessions.map((session) => ({ ...session, current: session.id === current })) };
    },
  );

  app.delete(
    '/me/sessions/:sessionId',
    {
      ...writes,
      schema: {
        operationId: 'endSession',
        tags: ['me'],
        summary: 'Log one session out: its refresh token and, at once, its access tokens are refused (your own too, if you name it)',
        security: BEARER,
        params: Type.Object({ sessionId: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', description: 'An id from GET /v1/me/sessions' }) }),
        response: { 204: Type.Null(), ...errorsFor({ 400: [], 401: [], 404: ['SESSION_NOT_FOUND'], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      await endSession(db, request.username, request.acting.accountId, request.params.sessionId, config.http.accessTokenTtlSeconds);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/me',
    {
      ...auth,
      schema: {
        operationId: 'deleteMe',
        tags: ['me'],
        summary: 'Delete your account and everything in it (needs your password)',
        description:
          'From this answer on, log-in and every write of the account are refused. The profile, credentials, sessions, email, photos ' +
          '(and their files), reactions given and received and follows both ways are then removed in the background; an interrupted ' +
          'deletion resumes on the next start.',
        security: BEARER,
        body: Type.Object({ password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false, title: 'AccountDeletion' }),
        response: {
          202: Type.Object({ status: Type.Literal('deleting') }, { title: 'AccountDeleting' }),
          ...errorsFor({
            400: [],
            401: [],
            403: ['WRONG_PASSWORD', 'ACCOUNT_DELETED'],
            404: ['USER_NOT_FOUND'],
            413: [],
            415: [],
            429: ['PASSWORD_THROTTLED'],
            503: ['PASSWORD_HASHING_BUSY'],
          }),
        },
      },
    },
    async (request, reply) => {
      const username = request.username;
      await guarded(ctx, request, () => checkSessionPassword(db, username, request.sessionId, request.body.password));
      await startAccountDeletion(db, username);
      // The job outlives this request: it must not run as the session it just ended.
      const options = { deleteFiles: (photo: Photo) => deletePhotoFiles(blobs, photo), deleteUserFiles: (user: Pick<User, 'avatar'>) => deleteUserFiles(blobs, user), discardUpload: (upload: UploadSlot) => discardUpload(blobs, upload), deleteDerived: (name: string) => deleteDerivedOf(db, name), shouldStop: () => closing };
      const job = outsideSession(() => finishDeletion(db, username, options))
        .catch((error: unknown) => request.log.error({ err: error, username }, 'account deletion interrupted; it resumes on the next start'))
        .finally(() => running.delete(job));
      running.add(job);
      return reply.status(202).send({ status: 'deleting' as const });
    },
  );
  done();
};
