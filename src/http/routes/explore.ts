/** Explore: recent public photos of people you do not follow. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { EXPLORE_PAGE_DEFAULT, EXPLORE_PAGE_MAX, getExplore, mapPage } from '../../patterns/index.js';
import { BEARER, type RouteOptions } from '../context.js';
import { errorsFor, FeedItemView, Page, PageQuery } from '../schemas.js';
import { photoForViewerView, profileCardView } from '../views.js';

export const exploreRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db } = ctx;

  app.get(
    '/explore',
    {
      schema: {
        operationId: 'getExplore',
        tags: ['feed'],
        summary: 'Explore: recent public photos of people you do not follow, newest first',
        description:
          'Built from the table\'s change stream (a new photo appears once the worker has applied it). Photos of private, suspended or departing accounts, ' +
          `of people you follow, your own, and of anyone a block stands between are left out, so a page may be short; its cursor still moves on. ${EXPLORE_PAGE_MAX} items at most per page.`,
        security: BEARER,
        querystring: Type.Object({
          ...PageQuery.properties,
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: EXPLORE_PAGE_MAX, description: `Page size, 1-${EXPLORE_PAGE_MAX} (default ${EXPLORE_PAGE_DEFAULT})` })),
        }),
        response: { 200: Page(FeedItemView, 'ExplorePage'), ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 503: [] }) },
      },
    },
    async (request) => {
      const page = await getExplore(db, request.username, request.query);
      const urls = ctx.media.urlsFor(request);
      // Nobody here is followed by the reader, and no author is private (so no request is pending).
      return mapPage(page, (item) => ({
        photo: photoForViewerView(item.photo, item.myReactions, urls, item.comments),
        author: profileCardView(item.author, { follows: false, followedBy: item.authorFollowsMe, requested: false }, urls),
      }));
    },
  );
  done();
};
