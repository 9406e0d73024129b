/** Profiles: anyone signed in may read one; only its owner may change it. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { ProfileUpdate } from '../../schema/entities.js';
import { getUser, updateUser } from '../../patterns/index.js';
import { assertSelf } from '../auth.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { errorsFor, User, UserParams } from '../schemas.js';

export const userRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config } = ctx;

  app.get(
    '/users/:username',
    {
      schema: {
        tags: ['users'],
        summary: 'A profile, with its follower and following counts',
        security: BEARER,
        params: UserParams,
        response: { 200: User, ...errorsFor(400, 401, 404, 503) },
      },
    },
    async (request) => getUser(db, request.params.username),
  );

  app.patch(
    '/users/:username',
    {
      config: perMinute(config.http.rateLimit.writesPerMinute),
      schema: {
        tags: ['users'],
        summary: 'Update your own profile (null pinnedImage unpins)',
        security: BEARER,
        params: UserParams,
        body: ProfileUpdate,
        response: { 200: User, ...errorsFor(400, 401, 403, 404, 429, 503) },
      },
    },
    async (request) => {
      assertSelf(request, request.params.username, 'update this profile');
      return updateUser(db, request.params.username, request.body);
    },
  );
  done();
};
