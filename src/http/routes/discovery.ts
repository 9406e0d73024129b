/** Finding people: search by name or username, and suggestions of whom to follow. */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { SEARCH_LIMIT_MAX, searchUsers, suggestUsers, type UserWithRelation } from '../../patterns/index.js';
import type { MediaUrls } from '../../blobs/index.js';
import { BEARER, type RouteOptions } from '../context.js';
import { errorsFor, SuggestionCard, UserSearchResult } from '../schemas.js';
import { profileCardView } from '../views.js';

const card = (urls: MediaUrls) => (entry: UserWithRelation) => ({
  ...profileCardView(entry.user, { follows: entry.following, followedBy: entry.followedBy, requested: entry.requested }, urls),
  ...(entry.mutuals !== undefined ? { mutuals: entry.mutuals } : {}),
});

const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: SEARCH_LIMIT_MAX, description: `1-${SEARCH_LIMIT_MAX} (default 10)` }));

export const discoveryRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, media } = ctx;

  app.get(
    '/users',
    {
      schema: {
        operationId: 'searchUsers',
        tags: ['users'],
        summary: 'Search users by the start of their username or of any word of their name (case and accents ignored)',
        security: BEARER,
        querystring: Type.Object({ query: Type.String({ minLength: 1, maxLength: 100 }), limit: Limit }),
        response: { 200: Type.Object({ items: Type.Array(UserSearchResult) }, { title: 'UserSearchPage' }), ...errorsFor({ 400: [], 401: [], 503: [] }) },
      },
    },
    async (request) => ({ items: (await searchUsers(db, request.username, request.query.query, request.query.limit ?? 10)).map(card(media.urlsFor(request))) }),
  );

  app.get(
    '/me/suggestions',
    {
      schema: {
        operationId: 'suggestUsers',
        tags: ['users'],
        summary: 'People to follow: followed by the people you follow, most shared first; then the most followed and the most recently active accounts (a new user gets these)',
        security: BEARER,
        querystring: Type.Object({ limit: Limit }),
        response: { 200: Type.Object({ items: Type.Array(SuggestionCard) }, { title: 'SuggestionPage' }), ...errorsFor({ 400: [], 401: [], 503: [] }) },
      },
    },
    async (request) => ({
      items: (await suggestUsers(db, request.username, request.query.limit ?? 10)).map((entry) => ({ ...card(media.urlsFor(request))(entry), reason: entry.reason ?? 'followed-by' })),
    }),
  );
  done();
};
