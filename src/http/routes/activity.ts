/** The signed-in user's activity: who followed them, asked to follow them or reacted to their photos. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ACTIVITY_PAGE_MAX, getActivity, mapPage, markActivityRead } from '../../patterns/index.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { ActivityPage, errorsFor, PageQuery } from '../schemas.js';
import { apiTimestamp, photoView, profileCardView } from '../views.js';

export const activityRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config, media } = ctx;

  app.get(
    '/me/activity',
    {
      schema: {
        operationId: 'getActivity',
        tags: ['activity'],
        summary: 'Your activity, newest first: new followers, follow requests and reactions to your photos, with the unread count',
        description: `Derived from the table's change stream (see /ready for the lag); items expire after ${config.derived.activityTtlDays} days. ${ACTIVITY_PAGE_MAX} items at most per page.`,
        security: BEARER,
        querystring: Type.Object({ ...PageQuery.properties, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: ACTIVITY_PAGE_MAX })) }),
        response: { 200: ActivityPage, ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 503: [] }) },
      },
    },
    async (request) => {
      const page = await getActivity(db, request.username, request.query);
      const items = mapPage(page, (item) => ({
        type: item.type,
        at: apiTimestamp(item.at),
        actor: profileCardView(item.actor, { follows: item.actorFollowedByMe, followedBy: item.actorFollowsMe, requested: item.actorRequested }, media.urlsFor(request)),
        ...(item.reactionType ? { reactionType: item.reactionType } : {}),
        ...(item.photo ? { photo: photoView(item.photo, media.urlsFor(request)) } : {}),
        unread: item.unread,
      }));
      return { ...items, unreadCount: page.unreadCount };
    },
  );

  app.put(
    '/me/activity/read',
    {
      config: perMinute(config.http.rateLimit.writesPerMinute),
      schema: {
        operationId: 'markActivityRead',
        tags: ['activity'],
        summary: 'Mark all your activity so far as read (idempotent: the marker only moves forward)',
        security: BEARER,
        response: { 204: Type.Null(), ...errorsFor({ 401: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      await markActivityRead(db, request.username);
      return reply.status(204).send(null);
    },
  );
  done();
};
