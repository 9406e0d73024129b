/**
 * Reactions and follows, always made as the signed-in user: the acting user comes from the
 * access token, never from the path or the body.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  followUser,
  listFollowed,
  listFollowedWithProfiles,
  listFollowers,
  reactToPhoto,
  removeReaction,
  unfollowUser,
} from '../../patterns/index.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { errorsFor, FollowedView, Friendship, Page, PageQuery, Reaction, ReactionParams, UserParams } from '../schemas.js';

export const socialRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config } = ctx;
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };

  app.put(
    '/users/:username/photos/:timestamp/reactions/:type',
    {
      ...writes,
      schema: {
        tags: ['reactions'],
        summary: 'React to a photo as yourself (a second identical reaction is 409 and changes nothing)',
        security: BEARER,
        params: ReactionParams,
        response: { 201: Reaction, ...errorsFor(400, 401, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const { username, timestamp, type } = request.params;
      const reaction = await reactToPhoto(db, { reactingUser: request.username, owner: username, timestamp, type });
      return reply.status(201).send(reaction);
    },
  );

  app.delete(
    '/users/:username/photos/:timestamp/reactions/:type',
    {
      ...writes,
      schema: {
        tags: ['reactions'],
        summary: 'Remove your reaction (the counter goes down in the same transaction)',
        security: BEARER,
        params: ReactionParams,
        response: { 204: Type.Null(), ...errorsFor(400, 401, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      const { username, timestamp, type } = request.params;
      await removeReaction(db, { reactingUser: request.username, owner: username, timestamp, type });
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/users/:username/followers/me',
    {
      ...writes,
      schema: {
        tags: ['follows'],
        summary: 'Follow this user as yourself (409 if already following, 400 for yourself)',
        security: BEARER,
        params: UserParams,
        response: { 201: Friendship, ...errorsFor(400, 401, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => reply.status(201).send(await followUser(db, request.username, request.params.username)),
  );

  app.delete(
    '/users/:username/followers/me',
    {
      ...writes,
      schema: {
        tags: ['follows'],
        summary: 'Unfollow this user (both counters go down in the same transaction)',
        security: BEARER,
        params: UserParams,
        response: { 204: Type.Null(), ...errorsFor(400, 401, 404, 429, 503) },
      },
    },
    async (request, reply) => {
      await unfollowUser(db, request.username, request.params.username);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/users/:username/followers',
    {
      schema: {
        tags: ['follows'],
        summary: 'Who follows this user',
        security: BEARER,
        params: UserParams,
        querystring: PageQuery,
        response: { 200: Page(Friendship), ...errorsFor(400, 401, 404, 503) },
      },
    },
    async (request) => listFollowers(db, request.params.username, request.query),
  );

  app.get(
    '/users/:username/following',
    {
      schema: {
        tags: ['follows'],
        summary: 'Whom this user follows; expand=profile adds each profile (one BatchGetItem)',
        security: BEARER,
        params: UserParams,
        querystring: Type.Object({ ...PageQuery.properties, expand: Type.Optional(Type.Literal('profile')) }),
        response: { 200: Page(FollowedView), ...errorsFor(400, 401, 404, 503) },
      },
    },
    async (request) => {
      const { expand, ...page } = request.query;
      if (expand !== 'profile') return listFollowed(db, request.params.username, page);
      const result = await listFollowedWithProfiles(db, request.params.username, page);
      return {
        items: result.items.map(({ friendship, user }) => ({ ...friendship, ...(user ? { user } : {}) })),
        ...(result.nextCursor ? { nextCursor: result.nextCursor } : {}),
      };
    },
  );
  done();
};
