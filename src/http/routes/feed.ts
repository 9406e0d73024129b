/** The signed-in user's home feed. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { FEED_PAGE_DEFAULT, FEED_PAGE_MAX, getFeed, mapPage } from '../../patterns/index.js';
import { BEARER, type RouteOptions } from '../context.js';
import { errorsFor, FeedItemView, Page, PageQuery } from '../schemas.js';
import { photoForViewerView, profileCardView } from '../views.js';

export const feedRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db } = ctx;

  app.get(
    '/me/feed',
    {
      schema: {
        operationId: 'getFeed',
        tags: ['feed'],
        summary: 'Your home feed: photos of the people you follow (and your own), newest first',
        description:
          'Built from the table\'s change stream: a new photo appears once the worker has applied it (see /ready for its lag). ' +
          `A page costs a bounded number of DynamoDB requests; a row whose photo was deleted or whose author you unfollowed is left out, so a page may be short. ${FEED_PAGE_MAX} items at most per page.`,
        security: BEARER,
        querystring: Type.Object({
          ...PageQuery.properties,
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: FEED_PAGE_MAX, description: `Page size, 1-${FEED_PAGE_MAX} (default ${FEED_PAGE_DEFAULT})` })),
        }),
        response: { 200: Page(FeedItemView, 'FeedPage'), ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 503: [] }) },
      },
    },
    async (request) => {
      const page = await getFeed(db, request.username, request.query);
      const urls = ctx.media.urlsFor(request);
      // Every author is followed (or the reader): a follow leaves no pending request beside it.
      return mapPage(page, (item) => ({
        photo: photoForViewerView(item.photo, item.myReactions, urls, item.comments),
        author: profileCardView(item.author, { follows: item.author.username !== request.username, followedBy: item.authorFollowsMe, requested: false }, urls),
      }));
    },
  );
  done();
};
