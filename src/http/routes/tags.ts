/** Hashtags: a tag's photos, newest first, and tag search by prefix with counts. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { getTagPhotos, mapPage, searchTags, TAG_PAGE_DEFAULT, TAG_PAGE_MAX, TAG_SEARCH_MAX } from '../../patterns/index.js';
import { TAG_MAX_LENGTH } from '../../schema/text-entities.js';
import { BEARER, type RouteOptions } from '../context.js';
import { errorsFor, FeedItemView, PageQuery } from '../schemas.js';
import { photoForViewerView, profileCardView } from '../views.js';

const TagPhotosPage = Type.Object(
  {
    tag: Type.String({ description: 'The tag as the index holds it: folded (lower case, accents removed)' }),
    items: Type.Array(FeedItemView),
    nextCursor: Type.Optional(Type.String({ description: 'Present only when another page exists: pass it back as `cursor`' })),
  },
  { title: 'TagPhotosPage' },
);

const TagCount = Type.Object(
  {
    tag: Type.String({ description: 'Folded (lower case, accents removed)' }),
    count: Type.Integer({ minimum: 1, description: 'Photos indexed under the tag (the newest 5,000 are kept), private accounts\' included; approximate: see the operation' }),
  },
  { title: 'TagCount' },
);

export const tagRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, media } = ctx;

  app.get(
    '/tags/:tag/photos',
    {
      schema: {
        operationId: 'getTagPhotos',
        tags: ['tags'],
        summary: 'A tag\'s photos, newest first',
        description:
          'From the tag index the change stream builds (a new or edited caption shows once the worker has applied it). The tag is matched folded: "Café", "#cafe" and "CAFE" are one tag. ' +
          'Left out: photos of private accounts you do not follow, of suspended or departing accounts, and of anyone a block stands between; a photo tagged in a comment only when you may see that comment (its author judged the same way). ' +
          `${TAG_PAGE_MAX} items at most per page; a page may be short only when many in a row were left out (its cursor still moves on). An unknown tag is an empty page.`,
        security: BEARER,
        params: Type.Object({ tag: Type.String({ minLength: 1, maxLength: TAG_MAX_LENGTH + 1, description: `Letters, digits or underscores (with or without a leading #, URL-encoded), at most ${TAG_MAX_LENGTH}` }) }),
        querystring: Type.Object({
          ...PageQuery.properties,
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: TAG_PAGE_MAX, description: `Page size, 1-${TAG_PAGE_MAX} (default ${TAG_PAGE_DEFAULT})` })),
        }),
        response: { 200: TagPhotosPage, ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 503: [] }) },
      },
    },
    async (request) => {
      const page = await getTagPhotos(db, request.username, request.params.tag, request.query);
      const urls = media.urlsFor(request);
      return {
        tag: page.tag,
        ...mapPage(page, (item) => ({
          photo: photoForViewerView(item.photo, item.myReactions, urls, item.comments),
          author: profileCardView(item.author, { follows: item.relation.following, followedBy: item.relation.followedBy, requested: item.relation.requested }, urls),
        })),
      };
    },
  );

  app.get(
    '/tags',
    {
      schema: {
        operationId: 'searchTags',
        tags: ['tags'],
        summary: 'Tags starting with the query (case and accents ignored), the exact tag first, then the most used',
        description:
          'Counts are approximate: each is kept as the worker adds and removes a tag\'s photos, and a crash between two of its writes or two writers racing may leave it off by a few until `quick-photos doctor --fix` recounts. ' +
          'They count photos of private accounts too, as a number only (which photos stays private).',
        security: BEARER,
        querystring: Type.Object({
          query: Type.String({ minLength: 1, maxLength: TAG_MAX_LENGTH + 1, description: 'The start of a tag, with or without #' }),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: TAG_SEARCH_MAX, description: `1-${TAG_SEARCH_MAX} (default 10)` })),
        }),
        response: { 200: Type.Object({ items: Type.Array(TagCount) }, { title: 'TagSearchPage' }), ...errorsFor({ 400: [], 401: [], 503: [] }) },
      },
    },
    async (request) => ({ items: await searchTags(db, request.query.query, request.query.limit ?? 10) }),
  );
  done();
};
