/**
 * A photo's conversation: post a comment or a reply (Idempotency-Key honoured), list comments
 * and replies as the viewer may see them, delete (the author, or the photo's owner for any
 * comment on their photo), like and unlike, and the owner's comments on/off switch. Comments
 * are named by opaque ids under their photo's id; no key string leaves through here.
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { errors } from '../../errors.js';
import {
  COMMENT_MAX,
  deleteComment,
  findCommentLike,
  likeComment,
  listComments,
  listReplies,
  mapPage,
  postComment,
  setCommentsOff,
  unlikeComment,
} from '../../patterns/index.js';
import { parseCommentId, type CommentRefId } from '../../schema/ids.js';
import { assertSelf } from '../auth.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { deleteOnce, putOnce } from '../idempotent.js';
import { keyedEffect } from '../idempotency.js';
import { CommentId, CommentParams, CommentView, errorsFor, Page, PageQuery, PhotoParams } from '../schemas.js';
import { commentView, photoRef } from '../views.js';
import { viewerBlocks } from '../visibility.js';

/** The comment an id names on the photo the path names; COMMENT_NOT_FOUND for an id we never issued or another photo's. */
function commentRef(photoIdParam: string, id: string): CommentRefId {
  const photo = photoRef(photoIdParam);
  const ref = parseCommentId(id);
  if (!ref || ref.photoOwner !== photo.username || ref.photoTimestamp !== photo.timestamp) throw errors.commentNotFound();
  return ref;
}

const CommentBody = Type.Object(
  {
    text: Type.String({ minLength: 1, maxLength: COMMENT_MAX, description: `1-${COMMENT_MAX} characters, line breaks allowed, no control characters or bidirectional overrides` }),
    replyTo: Type.Optional(CommentId),
  },
  { additionalProperties: false, title: 'NewComment' },
);

export const commentRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config } = ctx;
  const writes = perMinute(config.http.rateLimit.writesPerMinute);

  app.post(
    '/photos/:photoId/comments',
    {
      config: { ...writes, idempotent: true, visibility: 'write' },
      schema: {
        operationId: 'postComment',
        tags: ['comments'],
        summary: 'Comment on a photo, or reply to one of its comments (replyTo: one level of replies); send an Idempotency-Key so that a retry posts once',
        description:
          'One transaction writes the comment and the counts. Refused with 403 COMMENTS_OFF when the owner turned comments off, 403 COMMENT_NOT_ALLOWED when a block ' +
          'stands between you and the photo\'s owner or the replied-to author, 403 PRIVATE_ACCOUNT on a private account you do not follow, ' +
          '429 COMMENT_RATE_EXCEEDED past COMMENTS_PER_HOUR comments and replies of yours in the hour (Retry-After: when the hour turns).',
        security: BEARER,
        params: PhotoParams,
        body: CommentBody,
        response: {
          201: CommentView,
          ...errorsFor({
            400: ['REPLY_TO_REPLY'],
            401: [],
            403: ['ACCOUNT_DELETED', 'COMMENTS_OFF', 'COMMENT_NOT_ALLOWED', 'PRIVATE_ACCOUNT'],
            404: ['PHOTO_NOT_FOUND', 'COMMENT_NOT_FOUND'],
            409: [],
            429: ['COMMENT_RATE_EXCEEDED'],
            503: [],
          }),
        },
      },
    },
    async (request, reply) => {
      const { username: photoOwner, timestamp: photoTimestamp } = photoRef(request.params.photoId);
      let replyTo: { timestamp: string; author: string } | undefined;
      if (request.body.replyTo !== undefined) {
        const parent = commentRef(request.params.photoId, request.body.replyTo);
        if (parent.parentTimestamp !== undefined) throw errors.replyToReply();
        replyTo = { timestamp: parent.timestamp, author: parent.author };
      }
      const comment = await keyedEffect(request, () =>
        postComment(db, { author: request.username, photoOwner, photoTimestamp, text: request.body.text, replyTo, perHour: config.accounts.commentsPerHour }),
      );
      return reply.status(201).send(commentView(comment, false));
    },
  );

  app.get(
    '/photos/:photoId/comments',
    {
      config: { visibility: { photo: 'photoId', show: 'content' } },
      schema: {
        operationId: 'listComments',
        tags: ['comments'],
        summary: "A photo's comments you may see (oldest first, or order=newest), each with its reply and like counts: one Query and one BatchGetItem a page",
        security: BEARER,
        params: PhotoParams,
        querystring: Type.Object({ ...PageQuery.properties, order: Type.Optional(Type.Union([Type.Literal('oldest'), Type.Literal('newest')], { description: 'oldest (default) or newest first' })) }),
        response: { 200: Page(CommentView, 'CommentPage'), ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 404: ['PHOTO_NOT_FOUND'], 503: [] }) },
      },
    },
    async (request) => {
      const { username, timestamp } = photoRef(request.params.photoId);
      const { order, ...page } = request.query;
      const list = await listComments(db, request.username, username, timestamp, page, order ?? 'oldest', viewerBlocks(request));
      return mapPage(list, ({ comment, likedByMe }) => commentView(comment, likedByMe));
    },
  );

  app.get(
    '/photos/:photoId/comments/:commentId/replies',
    {
      config: { visibility: { photo: 'photoId', show: 'content' } },
      schema: {
        operationId: 'listReplies',
        tags: ['comments'],
        summary: "A comment's replies you may see, oldest first",
        security: BEARER,
        params: CommentParams,
        querystring: PageQuery,
        response: { 200: Page(CommentView, 'ReplyPage'), ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 404: ['PHOTO_NOT_FOUND', 'COMMENT_NOT_FOUND'], 503: [] }) },
      },
    },
    async (request) => {
      const ref = commentRef(request.params.photoId, request.params.commentId);
      const list = await listReplies(db, request.username, ref, request.query, viewerBlocks(request));
      return mapPage(list, ({ comment, likedByMe }) => commentView(comment, likedByMe));
    },
  );

  app.delete(
    '/photos/:photoId/comments/:commentId',
    {
      config: { ...writes, visibility: 'write' },
      schema: {
        operationId: 'deleteComment',
        tags: ['comments'],
        summary: "Delete your comment, or any comment on your photo; a comment's replies and likes go with it (204 also when it is gone already)",
        security: BEARER,
        params: CommentParams,
        response: { 204: Type.Null(), ...errorsFor({ 400: [], 401: [], 403: ['FORBIDDEN', 'ACCOUNT_DELETED'], 404: ['COMMENT_NOT_FOUND'], 409: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      const ref = commentRef(request.params.photoId, request.params.commentId);
      await deleteOnce(() => deleteComment(db, ref, { user: request.username }), 'COMMENT_NOT_FOUND');
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/photos/:photoId/comments/:commentId/likes/me',
    {
      config: { ...writes, visibility: 'write' },
      schema: {
        operationId: 'likeComment',
        tags: ['comments'],
        summary: 'Like a comment (201 when new; 200 and no change when you already did)',
        security: BEARER,
        params: CommentParams,
        response: {
          200: Type.Object({ liked: Type.Literal(true) }, { title: 'CommentLike' }),
          201: Type.Object({ liked: Type.Literal(true) }, { title: 'CommentLike' }),
          ...errorsFor({ 400: [], 401: [], 403: ['ACCOUNT_DELETED', 'COMMENT_NOT_ALLOWED', 'PRIVATE_ACCOUNT'], 404: ['COMMENT_NOT_FOUND'], 409: [], 429: [], 503: [] }),
        },
      },
    },
    async (request, reply) => {
      const ref = commentRef(request.params.photoId, request.params.commentId);
      const { created } = await putOnce(() => likeComment(db, request.username, ref), () => findCommentLike(db, request.username, ref), 'COMMENT_LIKE_EXISTS');
      return reply.status(created ? 201 : 200).send({ liked: true as const });
    },
  );

  app.delete(
    '/photos/:photoId/comments/:commentId/likes/me',
    {
      config: { ...writes, visibility: 'write' },
      schema: {
        operationId: 'unlikeComment',
        tags: ['comments'],
        summary: 'Take your like back (204 also when there was none)',
        security: BEARER,
        params: CommentParams,
        response: { 204: Type.Null(), ...errorsFor({ 400: [], 401: [], 403: ['ACCOUNT_DELETED'], 404: ['COMMENT_NOT_FOUND'], 409: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      const ref = commentRef(request.params.photoId, request.params.commentId);
      await deleteOnce(() => unlikeComment(db, request.username, ref), 'COMMENT_LIKE_NOT_FOUND');
      return reply.status(204).send(null);
    },
  );

  app.put(
    '/photos/:photoId/commenting',
    {
      config: { ...writes, visibility: 'self' },
      schema: {
        operationId: 'setCommenting',
        tags: ['comments'],
        summary: "Turn comments on your photo on or off (existing comments stay); the photo's commentsOff says which",
        security: BEARER,
        params: PhotoParams,
        body: Type.Object({ enabled: Type.Boolean() }, { additionalProperties: false, title: 'Commenting' }),
        response: { 200: Type.Object({ enabled: Type.Boolean() }, { title: 'CommentingState' }), ...errorsFor({ 400: [], 401: [], 403: ['FORBIDDEN', 'ACCOUNT_DELETED'], 404: ['PHOTO_NOT_FOUND'], 409: [], 429: [], 503: [] }) },
      },
    },
    async (request) => {
      const { username, timestamp } = photoRef(request.params.photoId);
      assertSelf(request, username, "change this photo's comments");
      await setCommentsOff(db, username, timestamp, !request.body.enabled);
      return { enabled: request.body.enabled };
    },
  );
  done();
};
