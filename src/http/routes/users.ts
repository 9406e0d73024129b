/** Profiles: anyone signed in may read one; only its owner may change it. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { getUser, listPhotosForViewer, mapPage } from '../../patterns/index.js';
import { assertSelf } from '../auth.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { errorsFor, PrivateUser, Profile, ProfileQuery, ProfileUpdateBody, UserParams } from '../schemas.js';
import { photoForViewerView, publicUserView } from '../views.js';
import { viewerBlocks } from '../visibility.js';
import { updateOwnProfile } from './me.js';

export const userRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config } = ctx;

  app.get(
    '/users/:username',
    {
      config: { visibility: { user: 'username', show: 'profile' } },
      schema: {
        operationId: 'getUser',
        tags: ['users'],
        summary: 'A public profile, with its follower and following counts and, for someone else\'s, how you relate to it',
        description:
          'Always the public view, the owner included: your private fields are at GET /v1/me. `viewer` (absent on your own profile) says whether you follow them, they follow you, ' +
          'and whether your follow request is pending: read in the same request as the block check, so it costs nothing more. ' +
          'expand=photos adds `photos`, the first page of GET /v1/users/{username}/photos (its nextCursor continues there), so the profile screen is one call; ' +
          '`photos` is absent where that list would answer 403 PRIVATE_ACCOUNT (a private account you do not follow).',
        security: BEARER,
        params: UserParams,
        querystring: ProfileQuery,
        response: { 200: Profile, ...errorsFor({ 400: [], 401: [], 404: ['USER_NOT_FOUND'], 503: [] }) },
      },
    },
    // The visibility guard already read another user's profile (with the block check).
    async (request) => {
      const { username } = request.params;
      const urls = ctx.media.urlsFor(request);
      const seen = request.ownerView;
      // The photos follow the list route's rules (the guard's read decides); the user is known to exist, so an empty page reads nothing more.
      const photos = async (visible: boolean) => {
        if (request.query.expand !== 'photos' || !visible) return {};
        const page = await listPhotosForViewer(db, request.username, username, { limit: request.query.photosLimit }, viewerBlocks(request), true);
        return { photos: mapPage(page, ({ photo, myReactions, comments }) => photoForViewerView(photo, myReactions, urls, comments)) };
      };
      if (!seen) {
        const [user, page] = await Promise.all([getUser(db, username), photos(true)]);
        return { ...publicUserView(user, urls), ...page };
      }
      return { ...publicUserView(seen.owner, urls, { content: seen.maySeeContent }), viewer: seen.relation, ...(await photos(seen.maySeeContent)) };
    },
  );

  app.patch(
    '/users/:username',
    {
      config: { ...perMinute(config.http.rateLimit.writesPerMinute), visibility: 'self' },
      schema: {
        operationId: 'updateUser',
        tags: ['users'],
        summary: 'Update your own profile (same as PATCH /v1/me; pinnedPhotoId: one of your photos; null unpins)',
        security: BEARER,
        params: UserParams,
        body: ProfileUpdateBody,
        response: {
          200: PrivateUser,
          ...errorsFor({
            400: ['PASSWORD_REQUIRED'],
            401: [],
            403: ['FORBIDDEN', 'ACCOUNT_DELETED', 'WRONG_PASSWORD'],
            404: ['USER_NOT_FOUND', 'PHOTO_NOT_FOUND'],
            409: ['EMAIL_TAKEN'],
            413: [],
            415: [],
            429: ['PASSWORD_THROTTLED'],
            503: ['PASSWORD_HASHING_BUSY'],
          }),
        },
      },
    },
    async (request) => {
      const { username } = request.params;
      assertSelf(request, username, 'update this profile');
      return updateOwnProfile(ctx, request, username, request.body);
    },
  );
  done();
};
