/**
 * Blocks, always made by the signed-in user: block (PUT, idempotent), unblock (DELETE,
 * idempotent), and the list of the users one blocked. Who may see whom is enforced for every
 * read by src/http/visibility.ts, and for follows and reactions inside their transactions.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { blockUser, findBlock, listBlocks, unblockUser, type Block } from '../../patterns/index.js';
import { Username } from '../../schema/entities.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { deleteOnce, putOnce } from '../idempotent.js';
import { errorsFor, Page, PageQuery, UserParams } from '../schemas.js';
import { apiTimestamp, pageView } from '../views.js';

const BlockView = Type.Object(
  { blockedUser: Username, timestamp: Type.String({ format: 'date-time', description: 'When the block was made (UTC)' }) },
  { title: 'Block', description: 'You blocked blockedUser: neither can follow the other, and you are invisible to them' },
);

const blockView = (block: Block) => ({ blockedUser: block.blocked, timestamp: apiTimestamp(block.timestamp) });

export const safetyRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config } = ctx;
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };

  app.put(
    '/blocks/:username',
    {
      ...writes,
      schema: {
        operationId: 'blockUser',
        tags: ['safety'],
        summary: 'Block a user: follows both ways end (counters exact, one transaction); they no longer see you (201 new, 200 already)',
        security: BEARER,
        params: UserParams,
        response: {
          200: BlockView,
          201: BlockView,
          ...errorsFor({ 400: ['SELF_BLOCK'], 401: [], 404: ['USER_NOT_FOUND'], 409: [], 429: [], 503: [] }),
        },
      },
    },
    async (request, reply) => {
      const blocked = request.params.username;
      const { created, value } = await putOnce(
        () => blockUser(db, request.username, blocked),
        () => findBlock(db, request.username, blocked),
        'ALREADY_BLOCKED',
      );
      return reply.status(created ? 201 : 200).send(blockView(value));
    },
  );

  app.delete(
    '/blocks/:username',
    {
      ...writes,
      schema: {
        operationId: 'unblockUser',
        tags: ['safety'],
        summary: 'Unblock a user (follows that ended are not restored); 204 also when there was no block',
        security: BEARER,
        params: UserParams,
        response: { 204: Type.Null(), ...errorsFor({ 400: ['SELF_BLOCK'], 401: [], 409: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      await deleteOnce(() => unblockUser(db, request.username, request.params.username), 'NOT_BLOCKED');
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/blocks',
    {
      schema: {
        operationId: 'listBlocks',
        tags: ['safety'],
        summary: 'The users you blocked, by name',
        security: BEARER,
        querystring: PageQuery,
        response: { 200: Page(BlockView, 'BlockPage'), ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 503: [] }) },
      },
    },
    async (request) => pageView(await listBlocks(db, request.username, request.query), blockView),
  );
  done();
};
