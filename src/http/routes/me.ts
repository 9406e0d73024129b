/**
 * /v1/me: the signed-in user's own account. The first call an app makes after log-in
 * (GET /v1/me, the private view), profile changes, password, sessions, and deletion.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { deletePhotoFiles, deleteUserFiles } from '../../blobs/index.js';
import { errors } from '../../errors.js';
import { deleteDerivedOf } from '../../derived/cleanup.js';
import {
  assertPassword,
  changePassword,
  createSession,
  finishDeletion,
  getUser,
  PasswordChange,
  endAllSessions,
  startAccountDeletion,
  updateProfile,
} from '../../patterns/index.js';
import { photoSk } from '../../schema/keys.js';
import type { Photo, User } from '../../schema/entities.js';
import { outsideSession } from '../../patterns/acting.js';
import { BEARER, perMinute, type RouteContext, type RouteOptions } from '../context.js';
import { errorsFor, PrivateUser, ProfileUpdateBody, Tokens } from '../schemas.js';
import { photoRef, privateUserView } from '../views.js';
import { mailVerification, tokensFor } from './accounts.js';

type ProfileBody = Static<typeof ProfileUpdateBody>;

/** The PATCH body as the data layer takes it: a pinned photo id becomes its stored reference. */
export function profileInput(username: string, body: ProfileBody): Record<string, unknown> {
  const { pinnedPhotoId, ...fields } = body;
  if (pinnedPhotoId === undefined) return fields;
  if (pinnedPhotoId === null) return { ...fields, pinnedImage: null };
  const ref = photoRef(pinnedPhotoId);
  if (ref.username !== username) {
    throw errors.validation('pinnedPhotoId must be one of your own photos.', [{ path: '/pinnedPhotoId', message: 'not your photo' }]);
  }
  return { ...fields, pinnedImage: photoSk(ref.username, ref.timestamp) };
}

/** Updates the caller's profile; a new email is claimed, marked unverified and mailed a code. */
export async function updateOwnProfile(ctx: RouteContext, log: Parameters<typeof mailVerification>[1], username: string, body: ProfileBody) {
  const { user, emailChanged } = await updateProfile(ctx.db, username, profileInput(username, body));
  if (emailChanged) await mailVerification(ctx, log, username);
  return privateUserView(user, ctx.media.urls);
}

export const meRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config, blobs } = ctx;
  // Deletion jobs this app runs in the background; closing pauses them (they resume on the next start).
  const running = new Set<Promise<unknown>>();
  let closing = false;
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };
  const auth = { config: perMinute(config.http.rateLimit.authPerMinute) };
  const profileErrors = { 400: [], 401: [], 403: ['ACCOUNT_DELETED'], 404: ['USER_NOT_FOUND', 'PHOTO_NOT_FOUND'], 409: ['EMAIL_TAKEN'], 413: [], 415: [], 429: [], 503: [] };

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
    async (request) => privateUserView(await getUser(db, request.username), ctx.media.urls),
  );

  app.patch(
    '/me',
    {
      ...writes,
      schema: {
        operationId: 'updateMe',
        tags: ['me'],
        summary: 'Update your profile (a new email must be confirmed again; pinnedPhotoId null unpins)',
        security: BEARER,
        body: ProfileUpdateBody,
        response: { 200: PrivateUser, ...errorsFor(profileErrors) },
      },
    },
    async (request) => updateOwnProfile(ctx, request.log, request.username, request.body),
  );

  app.post(
    '/me/email-verification',
    {
      ...auth,
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
          ...errorsFor({ 400: ['WEAK_PASSWORD'], 401: [], 403: ['WRONG_PASSWORD', 'ACCOUNT_DELETED'], 404: ['USER_NOT_FOUND'], 413: [], 415: [], 429: [], 503: ['PASSWORD_HASHING_BUSY'] }),
        },
      },
    },
    async (request) => {
      await changePassword(db, request.username, request.body);
      return tokensFor(ctx, await createSession(db, request.username, config.http.refreshTokenTtlSeconds, request.acting.accountId));
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
          ...errorsFor({ 400: [], 401: [], 403: ['WRONG_PASSWORD', 'ACCOUNT_DELETED'], 404: ['USER_NOT_FOUND'], 413: [], 415: [], 429: [], 503: ['PASSWORD_HASHING_BUSY'] }),
        },
      },
    },
    async (request, reply) => {
      const username = request.username;
      await assertPassword(db, username, request.body.password);
      await startAccountDeletion(db, username);
      // The job outlives this request: it must not run as the session it just ended.
      const options = { deleteFiles: (photo: Photo) => deletePhotoFiles(blobs, photo), deleteUserFiles: (user: Pick<User, 'avatar'>) => deleteUserFiles(blobs, user), deleteDerived: (name: string) => deleteDerivedOf(db, name), shouldStop: () => closing };
      const job = outsideSession(() => finishDeletion(db, username, options))
        .catch((error: unknown) => request.log.error({ err: error, username }, 'account deletion interrupted; it resumes on the next start'))
        .finally(() => running.delete(job));
      running.add(job);
      return reply.status(202).send({ status: 'deleting' as const });
    },
  );
  done();
};
