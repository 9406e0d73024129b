/** Profiles: anyone signed in may read one; only its owner may change it. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { errors } from '../../errors.js';
import { photoSk } from '../../schema/keys.js';
import { getUser, updateUser } from '../../patterns/index.js';
import { assertSelf } from '../auth.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { errorsFor, ProfileUpdateBody, UserParams, UserView } from '../schemas.js';
import { photoRef, userView, withAvatar } from '../views.js';

export const userRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config } = ctx;

  app.get(
    '/users/:username',
    {
      schema: {
        operationId: 'getUser',
        tags: ['users'],
        summary: 'A profile, with its follower and following counts',
        security: BEARER,
        params: UserParams,
        response: { 200: UserView, ...errorsFor({ 400: [], 401: [], 404: ['USER_NOT_FOUND'], 503: [] }) },
      },
    },
    async (request) => {
      const user = await getUser(db, request.params.username);
      return withAvatar(userView(user), user, ctx.media.urls);
    },
  );

  app.patch(
    '/users/:username',
    {
      config: perMinute(config.http.rateLimit.writesPerMinute),
      schema: {
        operationId: 'updateUser',
        tags: ['users'],
        summary: 'Update your own profile (pinnedPhotoId: one of your photos; null unpins)',
        security: BEARER,
        params: UserParams,
        body: ProfileUpdateBody,
        response: { 200: UserView, ...errorsFor({ 400: [], 401: [], 403: ['FORBIDDEN'], 404: ['USER_NOT_FOUND', 'PHOTO_NOT_FOUND'], 413: [], 415: [], 429: [], 503: [] }) },
      },
    },
    async (request) => {
      const { username } = request.params;
      assertSelf(request, username, 'update this profile');
      const { pinnedPhotoId, ...fields } = request.body;
      let pinnedImage: string | null | undefined;
      if (pinnedPhotoId === null) pinnedImage = null;
      else if (pinnedPhotoId !== undefined) {
        const ref = photoRef(pinnedPhotoId);
        if (ref.username !== username) {
          throw errors.validation('pinnedPhotoId must be one of your own photos.', [{ path: '/pinnedPhotoId', message: 'not your photo' }]);
        }
        pinnedImage = photoSk(ref.username, ref.timestamp);
      }
      const user = await updateUser(db, username, { ...fields, ...(pinnedImage !== undefined ? { pinnedImage } : {}) });
      return withAvatar(userView(user), user, ctx.media.urls);
    },
  );
  done();
};
