/** The signed-in user's activity: who followed them, asked to follow them or reacted to their photos. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { createHash } from 'node:crypto';
import type { MediaUrls } from '../../blobs/index.js';
import { derivedDb, eventLogItem, logEvent } from '../../derived/store/index.js';
import { ACTIVITY_PAGE_MAX, getActivity, mapPage, markActivityRead, type ActivityItem } from '../../patterns/index.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { ActivityPage, errorsFor, PageQuery } from '../schemas.js';
import { commentId } from '../../schema/ids.js';
import { apiTimestamp, photoView, profileCardView } from '../views.js';

/** One activity item as the list and the event stream show it. */
export function activityItemView(item: ActivityItem, urls: MediaUrls) {
  return {
    type: item.type,
    at: apiTimestamp(item.at),
    actor: profileCardView(item.actor, { follows: item.actorFollowedByMe, followedBy: item.actorFollowsMe, requested: item.actorRequested }, urls),
    ...(item.reactionType ? { reactionType: item.reactionType } : {}),
    ...(item.photo ? { photo: photoView(item.photo, urls) } : {}),
    ...(item.comment ? { comment: { id: commentId(item.comment.ref), ...(item.comment.text !== undefined ? { text: item.comment.text } : {}) } } : {}),
    unread: item.unread,
  };
}

/** A URL without its query (where image URLs carry their expiry and signature); other strings as they are. */
const unsigned = (value: string): string => (/^(https?:\/\/|\/)/.test(value) ? value.split('?')[0]! : value);

export const activityRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config, media } = ctx;

  app.get(
    '/me/activity',
    {
      schema: {
        operationId: 'getActivity',
        tags: ['activity'],
        summary: 'Your activity, newest first: new followers, follow requests, reactions, mentions, comments on your photos, replies to and likes of your comments, with the unread count',
        description: `Derived from the table's change stream (see /ready for the lag); items expire after ${config.derived.activityTtlDays} days. ${ACTIVITY_PAGE_MAX} items at most per page.`,
        security: BEARER,
        querystring: Type.Object({ ...PageQuery.properties, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: ACTIVITY_PAGE_MAX })) }),
        response: { 200: ActivityPage, 304: Type.Null({ description: 'Nothing changed since the ETag given in If-None-Match' }), ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      const page = await getActivity(db, request.username, request.query);
      const urls = media.urlsFor(request);
      const body = { ...mapPage(page, (item) => activityItemView(item, urls)), unreadCount: page.unreadCount };
      // What the page shows, its signed URLs' signatures aside (they change by the hour, not with the page).
      const etag = `W/"${createHash('sha256').update(JSON.stringify(body, (_key, value: unknown) => (typeof value === 'string' ? unsigned(value) : value))).digest('base64url')}"`;
      void reply.header('etag', etag);
      if (request.headers['if-none-match']?.split(',').some((tag) => tag.trim() === etag)) return reply.status(304).send(null);
      return body;
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
      // Every open stream of the user (any instance, any device) hears the count fall.
      await logEvent(derivedDb(db), eventLogItem(request.username, 'read'));
      return reply.status(204).send(null);
    },
  );
  done();
};
