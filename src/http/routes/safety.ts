/**
 * Blocks, always made by the signed-in user: block (PUT, idempotent), unblock (DELETE,
 * idempotent), and the list of the users one blocked. Who may see whom is enforced for every
 * read by src/http/visibility.ts, and for follows and reactions inside their transactions.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import {
  approveRequest,
  blockUser,
  deleteRequest,
  findBlock,
  findFriendship,
  listBlocks,
  listRequests,
  mapPage,
  setPrivate,
  unblockUser,
  type Block,
  type FollowRequest,
} from '../../patterns/index.js';
import { Username } from '../../schema/entities.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { changeOnce, deleteOnce, putOnce } from '../idempotent.js';
import { errorsFor, FriendshipView, Page, PageQuery, UserParams } from '../schemas.js';
import { apiTimestamp, friendshipView } from '../views.js';

const BlockView = Type.Object(
  { blockedUser: Username, timestamp: Type.String({ format: 'date-time', description: 'When the block was made (UTC)' }) },
  { title: 'Block', description: 'You blocked blockedUser: neither can follow the other, and you are invisible to them' },
);

const blockView = (block: Block) => ({ blockedUser: block.blocked, timestamp: apiTimestamp(block.timestamp) });

export const FollowRequestView = Type.Object(
  { requester: Username, target: Username, timestamp: Type.String({ format: 'date-time', description: 'When it was asked (UTC)' }) },
  { title: 'FollowRequest', description: 'requester asked to follow the private account target; pending until approved, declined or cancelled' },
);

export const followRequestView = (request: FollowRequest) => ({
  requester: request.requester,
  target: request.target,
  timestamp: apiTimestamp(request.timestamp),
});

const PrivacyBody = Type.Object(
  { private: Type.Boolean({ description: 'true: only approved followers see your photos, followers and following' }) },
  { additionalProperties: false, title: 'PrivacyUpdate' },
);

const PrivacyView = Type.Object(
  {
    private: Type.Boolean(),
    approved: Type.Integer({ minimum: 0, description: 'Pending requests approved by going public, in this call' }),
    pending: Type.Boolean({ description: 'Requests still pending after going public (past the per-call bound): send the same request again' }),
  },
  { title: 'Privacy' },
);

export const safetyRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config } = ctx;
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };

  app.put(
    '/blocks/:username',
    {
      config: { ...writes.config, visibility: 'write' },
      schema: {
        operationId: 'blockUser',
        tags: ['safety'],
        summary: 'Block a user: follows both ways end (counters exact, one transaction); they no longer see you (201 new, 200 already)',
        security: BEARER,
        params: UserParams,
        response: {
          200: BlockView,
          201: BlockView,
          ...errorsFor({ 400: ['SELF_BLOCK'], 401: [], 403: ['ACCOUNT_DELETED'], 404: ['USER_NOT_FOUND'], 409: [], 429: [], 503: [] }),
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
      config: { ...writes.config, visibility: 'write' },
      schema: {
        operationId: 'unblockUser',
        tags: ['safety'],
        summary: 'Unblock a user (follows that ended are not restored); 204 also when there was no block',
        security: BEARER,
        params: UserParams,
        response: { 204: Type.Null(), ...errorsFor({ 400: ['SELF_BLOCK'], 401: [], 403: ['ACCOUNT_DELETED'], 409: [], 429: [], 503: [] }) },
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
    async (request) => mapPage(await listBlocks(db, request.username, request.query), blockView),
  );

  app.put(
    '/account/privacy',
    {
      ...writes,
      schema: {
        operationId: 'setAccountPrivacy',
        tags: ['safety'],
        summary: 'Make your account private or public; going public approves pending follow requests',
        security: BEARER,
        body: PrivacyBody,
        response: { 200: PrivacyView, ...errorsFor({ 400: [], 401: [], 403: ['ACCOUNT_DELETED'], 404: ['USER_NOT_FOUND'], 409: [], 413: [], 415: [], 429: [], 503: [] }) },
      },
    },
    async (request) => setPrivate(db, request.username, request.body.private),
  );

  app.get(
    '/follow-requests',
    {
      schema: {
        operationId: 'listFollowRequests',
        tags: ['safety'],
        summary: 'Pending requests to follow you, by requester name',
        security: BEARER,
        querystring: PageQuery,
        response: { 200: Page(FollowRequestView, 'FollowRequestPage'), ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 503: [] }) },
      },
    },
    async (request) => mapPage(await listRequests(db, request.username, request.query), followRequestView),
  );

  app.put(
    '/follow-requests/:username/approval',
    {
      config: { ...writes.config, visibility: 'write' },
      schema: {
        operationId: 'approveFollowRequest',
        tags: ['safety'],
        summary: "Approve a request: the lab's follow transaction, with the request's delete inside it; approved again, the same answer (200)",
        security: BEARER,
        params: UserParams,
        response: {
          200: FriendshipView,
          ...errorsFor({ 400: ['SELF_FOLLOW'], 401: [], 404: ['REQUEST_NOT_FOUND', 'USER_NOT_FOUND'], 409: ['ALREADY_FOLLOWING', 'USER_BLOCKED'], 429: [], 503: [] }),
        },
      },
    },
    async (request) => {
      const { username: requester } = request.params;
      // Approved already (the phone lost the answer): the request is gone and the follow is there.
      const approved = await changeOnce(() => approveRequest(db, request.username, requester), () => findFriendship(db, requester, request.username), 'REQUEST_NOT_FOUND');
      return friendshipView(approved);
    },
  );

  app.delete(
    '/follow-requests/:username',
    {
      config: { ...writes.config, visibility: 'write' },
      schema: {
        operationId: 'declineFollowRequest',
        tags: ['safety'],
        summary: 'Decline a request to follow you; 204 also when there was none',
        security: BEARER,
        params: UserParams,
        response: { 204: Type.Null(), ...errorsFor({ 400: ['SELF_FOLLOW'], 401: [], 403: ['ACCOUNT_DELETED'], 409: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      await deleteOnce(() => deleteRequest(db, request.params.username, request.username), 'REQUEST_NOT_FOUND');
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/users/:username/follow-request',
    {
      config: { ...writes.config, visibility: 'write' },
      schema: {
        operationId: 'cancelFollowRequest',
        tags: ['safety'],
        summary: 'Cancel your pending request to follow this user; 204 also when there was none',
        security: BEARER,
        params: UserParams,
        response: { 204: Type.Null(), ...errorsFor({ 400: ['SELF_FOLLOW'], 401: [], 403: ['ACCOUNT_DELETED'], 409: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      await deleteOnce(() => deleteRequest(db, request.username, request.params.username, request.username), 'REQUEST_NOT_FOUND');
      return reply.status(204).send(null);
    },
  );
  done();
};
