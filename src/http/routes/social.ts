/**
 * Reactions and follows, always made as the signed-in user: the acting user comes from the
 * access token, never from the path or the body. PUT and DELETE are idempotent, as HTTP
 * defines them: a retried request changes nothing and succeeds.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors, isDomainError } from '../../errors.js';
import {
  findFriendship,
  findReaction,
  findRequest,
  followOrRequest,
  listFollowedRelated,
  listFollowersRelated,
  listVisibleFollowed,
  listVisibleFollowers,
  mapPage,
  reactToPhoto,
  removeReaction,
  unfollowUser,
  type Related,
} from '../../patterns/index.js';
import type { Friendship } from '../../schema/entities/index.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { deleteOnce, putOnce } from '../idempotent.js';
import { errorsFor, FriendshipView, FriendshipWithProfile, Page, PageQuery, ReactionParams, ReactionView, UserParams } from '../schemas.js';
import { friendshipView, photoRef, profileCardView, reactionView } from '../views.js';
import type { MediaUrls } from '../../blobs/index.js';
import { FollowRequestView, followRequestView } from './safety.js';
import { viewerBlocks } from '../visibility.js';

/** A friendship with the other user's card (expand=profile): public fields and the viewer's relation. */
function relatedFriendshipView(urls: MediaUrls) {
  return ({ friendship, user, following, followedBy, requested }: { friendship: Friendship } & Related) => ({
    ...friendshipView(friendship),
    ...(user ? { user: profileCardView(user, { follows: following, followedBy, requested }, urls) } : {}),
  });
}

export const socialRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config } = ctx;
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };

  app.put(
    '/photos/:photoId/reactions/:type',
    {
      config: { ...writes.config, visibility: 'write' },
      schema: {
        operationId: 'reactToPhoto',
        tags: ['reactions'],
        summary: 'React to a photo as yourself (201 when new; 200 and no change when you already had)',
        security: BEARER,
        params: ReactionParams,
        response: {
          200: ReactionView,
          201: ReactionView,
          ...errorsFor({
            400: [],
            401: [],
            403: ['ACCOUNT_DELETED', 'PRIVATE_ACCOUNT'],
            404: ['PHOTO_NOT_FOUND', 'USER_NOT_FOUND'],
            409: ['USER_BLOCKED'],
            429: [],
            503: [],
          }),
        },
      },
    },
    async (request, reply) => {
      const { username: owner, timestamp } = photoRef(request.params.photoId);
      const target = { reactingUser: request.username, owner, timestamp, type: request.params.type };
      const { created, value } = await putOnce(() => reactToPhoto(db, target), () => findReaction(db, target), 'REACTION_EXISTS');
      return reply.status(created ? 201 : 200).send(reactionView(value));
    },
  );

  app.delete(
    '/photos/:photoId/reactions/:type',
    {
      config: { ...writes.config, visibility: 'write' },
      schema: {
        operationId: 'removeReaction',
        tags: ['reactions'],
        summary: 'Remove your reaction (the counter goes down in the same transaction); 204 also when there was none',
        security: BEARER,
        params: ReactionParams,
        response: { 204: Type.Null(), ...errorsFor({ 400: [], 401: [], 403: ['ACCOUNT_DELETED'], 404: ['PHOTO_NOT_FOUND'], 409: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      const { username: owner, timestamp } = photoRef(request.params.photoId);
      const target = { reactingUser: request.username, owner, timestamp, type: request.params.type };
      await deleteOnce(() => removeReaction(db, target), 'REACTION_NOT_FOUND');
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/users/:username/followers/me',
    {
      config: { ...writes.config, visibility: 'write' },
      schema: {
        operationId: 'followUser',
        tags: ['follows'],
        summary:
          'Follow this user as yourself (201 when new; 200 and no change when already following; 202 with a follow request when the account is private; 400 for yourself)',
        security: BEARER,
        params: UserParams,
        response: {
          200: FriendshipView,
          201: FriendshipView,
          202: FollowRequestView,
          ...errorsFor({ 400: ['SELF_FOLLOW'], 401: [], 403: ['ACCOUNT_DELETED'], 404: ['USER_NOT_FOUND'], 409: ['USER_BLOCKED'], 429: [], 503: [] }),
        },
      },
    },
    async (request, reply) => {
      const followed = request.params.username;
      try {
        const outcome = await followOrRequest(db, request.username, followed);
        if (outcome.kind === 'request') return await reply.status(202).send(followRequestView(outcome.request));
        return await reply.status(201).send(friendshipView(outcome.friendship));
      } catch (error) {
        // Idempotent: what is already there answers the repeat.
        if (isDomainError(error) && error.code === 'REQUEST_EXISTS') {
          const pending = await findRequest(db, request.username, followed);
          if (pending) return reply.status(202).send(followRequestView(pending));
        }
        if (!isDomainError(error) || !['ALREADY_FOLLOWING', 'REQUEST_EXISTS'].includes(error.code)) throw error;
        const existing = await findFriendship(db, request.username, followed);
        if (!existing) throw errors.transactionConflict();
        return reply.status(200).send(friendshipView(existing));
      }
    },
  );

  app.delete(
    '/users/:username/followers/me',
    {
      config: { ...writes.config, visibility: 'write' },
      schema: {
        operationId: 'unfollowUser',
        tags: ['follows'],
        summary: 'Unfollow this user (both counters go down in the same transaction); 204 also when not following',
        security: BEARER,
        params: UserParams,
        response: { 204: Type.Null(), ...errorsFor({ 400: [], 401: [], 403: ['ACCOUNT_DELETED'], 404: ['USER_NOT_FOUND'], 409: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      await deleteOnce(() => unfollowUser(db, request.username, request.params.username), 'NOT_FOLLOWING');
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/users/:username/followers',
    {
      config: { visibility: { user: 'username', show: 'content' } },
      schema: {
        operationId: 'listFollowers',
        tags: ['follows'],
        summary: 'Who follows this user; expand=profile adds each profile and your relation to it (one BatchGetItem)',
        security: BEARER,
        params: UserParams,
        querystring: Type.Object({ ...PageQuery.properties, expand: Type.Optional(Type.Literal('profile')) }),
        response: { 200: Page(FriendshipWithProfile, 'FollowerPage'), ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 404: ['USER_NOT_FOUND'], 503: [] }) },
      },
    },
    async (request) => {
      const { expand, ...page } = request.query;
      const blocks = viewerBlocks(request);
      if (expand !== 'profile') return mapPage(await listVisibleFollowers(db, request.username, request.params.username, page, blocks), friendshipView);
      return mapPage(await listFollowersRelated(db, request.username, request.params.username, page, blocks), relatedFriendshipView(ctx.media.urlsFor(request)));
    },
  );

  app.get(
    '/users/:username/following',
    {
      config: { visibility: { user: 'username', show: 'content' } },
      schema: {
        operationId: 'listFollowing',
        tags: ['follows'],
        summary: 'Whom this user follows; expand=profile adds each profile and your relation to it (one BatchGetItem)',
        security: BEARER,
        params: UserParams,
        querystring: Type.Object({ ...PageQuery.properties, expand: Type.Optional(Type.Literal('profile')) }),
        response: { 200: Page(FriendshipWithProfile, 'FollowedPage'), ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 404: ['USER_NOT_FOUND'], 503: [] }) },
      },
    },
    async (request) => {
      const { expand, ...page } = request.query;
      const blocks = viewerBlocks(request);
      if (expand !== 'profile') return mapPage(await listVisibleFollowed(db, request.username, request.params.username, page, blocks), friendshipView);
      return mapPage(await listFollowedRelated(db, request.username, request.params.username, page, blocks), relatedFriendshipView(ctx.media.urlsFor(request)));
    },
  );
  done();
};
