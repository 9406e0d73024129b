/**
 * Reports (one per reporter and target; a repeat answers 200 with the first) and the notices
 * a user gets when a moderator took one of their photos down. Moderators work from the CLI
 * (`quick-photos reports`, `takedown`, `suspend`).
 */
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { findReport, listNotices, mapPage, ReportBody, reportTarget, targetName, type Notice, type Report, type ReportTarget } from '../../patterns/index.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { putOnce } from '../idempotent.js';
import { CommentId, CommentParams, errorsFor, Page, PageQuery, PhotoId, PhotoParams, UserParams } from '../schemas.js';
import { errors } from '../../errors.js';
import { parseCommentId } from '../../schema/ids.js';
import { apiTimestamp, photoRef } from '../views.js';

const ReportView = Type.Object(
  {
    target: Type.String({ description: '`user:<username>`, `photo:<photoId>` or `comment:<commentId>`' }),
    reason: Type.String(),
    text: Type.Optional(Type.String()),
    state: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { title: 'Report' },
);

const NoticeView = Type.Object(
  { photoId: PhotoId, commentId: Type.Optional(CommentId), reason: Type.String(), at: Type.String({ format: 'date-time' }) },
  { title: 'TakedownNotice', description: 'A photo of yours (or, with commentId, a comment of yours on that photo) a moderator took down, and why' },
);

const reportView = (r: Report) => ({ target: r.target, reason: r.reason, ...(r.text ? { text: r.text } : {}), state: r.state, createdAt: apiTimestamp(r.createdAt) });
const noticeView = (n: Notice) => ({ photoId: n.photoId, ...(n.commentId ? { commentId: n.commentId } : {}), reason: n.reason, at: apiTimestamp(n.at) });

export const reportRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config } = ctx;
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };
  const errorCodes = (notFound: string) =>
    errorsFor({ 400: [], 401: [], 403: ['ACCOUNT_SUSPENDED'], 404: [notFound], 409: [], 413: [], 415: [], 429: ['REPORT_RATE_EXCEEDED'], 503: [] });

  async function report(reporter: string, target: ReportTarget, body: ReportBody) {
    return putOnce(() => reportTarget(db, reporter, target, body, { perHour: config.accounts.reportsPerHour }), () => findReport(db, targetName(target), reporter), 'REPORT_EXISTS');
  }

  app.put(
    '/reports/users/:username',
    {
      config: { ...writes.config, idempotent: true, visibility: 'write' },
      schema: {
        operationId: 'reportUser',
        tags: ['safety'],
        summary: 'Report a user to the moderators (201; 200 with your earlier report of them)',
        security: BEARER,
        params: UserParams,
        body: ReportBody,
        response: { 200: ReportView, 201: ReportView, ...errorCodes('USER_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const { created, value } = await report(request.username, { kind: 'user', username: request.params.username }, request.body);
      return reply.status(created ? 201 : 200).send(reportView(value));
    },
  );

  app.put(
    '/reports/photos/:photoId',
    {
      config: { ...writes.config, idempotent: true, visibility: 'write' },
      schema: {
        operationId: 'reportPhoto',
        tags: ['safety'],
        summary: 'Report a photo to the moderators (201; 200 with your earlier report of it)',
        security: BEARER,
        params: PhotoParams,
        body: ReportBody,
        response: { 200: ReportView, 201: ReportView, ...errorCodes('PHOTO_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const ref = photoRef(request.params.photoId);
      const target: ReportTarget = { kind: 'photo', owner: ref.username, timestamp: ref.timestamp, photoId: request.params.photoId };
      const { created, value } = await report(request.username, target, request.body);
      return reply.status(created ? 201 : 200).send(reportView(value));
    },
  );

  app.put(
    '/reports/photos/:photoId/comments/:commentId',
    {
      config: { ...writes.config, idempotent: true, visibility: 'write' },
      schema: {
        operationId: 'reportComment',
        tags: ['safety'],
        summary: 'Report a comment to the moderators (201; 200 with your earlier report of it)',
        security: BEARER,
        params: CommentParams,
        body: ReportBody,
        response: { 200: ReportView, 201: ReportView, ...errorCodes('COMMENT_NOT_FOUND') },
      },
    },
    async (request, reply) => {
      const ref = photoRef(request.params.photoId);
      const comment = parseCommentId(request.params.commentId);
      if (!comment || comment.photoOwner !== ref.username || comment.photoTimestamp !== ref.timestamp) throw errors.commentNotFound();
      const { created, value } = await report(request.username, { kind: 'comment', comment, commentId: request.params.commentId }, request.body);
      return reply.status(created ? 201 : 200).send(reportView(value));
    },
  );

  app.get(
    '/notices',
    {
      schema: {
        operationId: 'listNotices',
        tags: ['safety'],
        summary: 'Your photos that moderators took down, and why (oldest first)',
        security: BEARER,
        querystring: PageQuery,
        response: { 200: Page(NoticeView, 'TakedownNoticePage'), ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 503: [] }) },
      },
    },
    async (request) => mapPage(await listNotices(db, request.username, request.query), noticeView),
  );
  done();
};
