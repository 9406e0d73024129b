/**
 * Photos: upload (multipart, streamed to a temporary file, then the media pipeline), list,
 * read, its reactions, caption edits, and delete. Responses carry signed URLs per variant (see views.ts).
 * A photo is addressed by its opaque id (src/schema/ids.ts), never by a key.
 */
import multipart from '@fastify/multipart';
import { TypeBoxValidatorCompiler, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { deletePhotoFiles } from '../../blobs/index.js';
import { errors, isDomainError } from '../../errors.js';
import { ACCEPTED_FORMATS } from '../../media/index.js';
import { Caption, CAPTION_MAX } from '../../schema/entities.js';
import type { Photo, Reaction } from '../../schema/entities/index.js';
import type { RawItem } from '../../schema/entity.js';
import { assertCaption, assertUploadAllowed, updateCaption, reservationGraceSeconds, deletePhoto, getPhoto, getPhotoScreen, listPhotosForViewer, listReactorsRelated, listVisibleReactions, mapPage, photoBytes, releaseStorage, type Page as ListPage, type Related } from '../../patterns/index.js';
import { ensureActingLive } from '../../patterns/session-check.js';
import { assertSelf } from '../auth.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { HttpError, httpErrors } from '../errors.js';
import { claimAfterBody, fileDigest, keyedEffect } from '../idempotency.js';
import { ingestPhoto } from '../ingest.js';
import { minimumRate, receiveToFile, uploadErrors, type MinimumRate, type ReceivedFile } from '../uploads.js';
import { errorsFor, Page, PageQuery, PhotoDetail, PhotoForViewer, PhotoParams, PhotoQuery, PhotoView, ReactionWithProfile, UploadForm, UserParams } from '../schemas.js';
import { commentView, photoForViewerView, photoPath, photoRef, photoView, profileCardView, reactionView } from '../views.js';
import { viewerBlocks, visibilityGuard } from '../visibility.js';

const ACCEPTED = ACCEPTED_FORMATS.join(', ');

/** One's own card: no relation to oneself. */
const SELF = { follows: false, followedBy: false, requested: false };

const isClientError = (error: unknown): boolean =>
  error instanceof HttpError || isDomainError(error) || ((error as { code?: string }).code ?? '').startsWith('FST_');

/** Reads a multipart body: the one file streamed to a temporary file, and the caption field. */
export async function readUploadForm(request: FastifyRequest, limit: number, idleMs: number, tmpDir: string, minRate?: MinimumRate): Promise<{ file: ReceivedFile; caption?: string }> {
  if (!request.isMultipart()) throw httpErrors.unsupportedMedia('Upload the image as multipart/form-data with a file field.');
  let file: ReceivedFile | undefined;
  let caption: string | undefined;
  const malformed = (error: unknown) => (isClientError(error) ? error : uploadErrors.malformed((error as Error).message || 'unreadable'));
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (file) throw httpErrors.badRequest('TOO_MANY_FILES', 'Send one file per upload.');
        file = await receiveToFile(part.file, { dir: tmpDir, limit, idleMs, minRate, mapError: malformed });
        if (part.file.truncated) throw uploadErrors.tooLarge(limit);
      } else if (part.fieldname === 'caption') {
        // Forms send a text field's line breaks as CRLF; a caption keeps them as LF (the text rule refuses CR).
        caption = typeof part.value === 'string' ? part.value.replaceAll('\r\n', '\n') : undefined;
      }
    }
  } catch (error) {
    await file?.remove();
    throw malformed(error);
  }
  if (!file) throw httpErrors.badRequest('FILE_MISSING', 'The multipart body has no file field.');
  return { file, ...(caption !== undefined ? { caption } : {}) };
}

export const photoRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  const { db, config, blobs, media } = ctx;
  const uploadLimit = config.http.uploadLimitBytes;
  // Registered in this scope only: no other route accepts multipart bodies.
  await app.register(multipart, { limits: { fileSize: uploadLimit, files: 1, fields: 4, parts: 5, fieldSize: 4 * CAPTION_MAX } });
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };
  const view = (photo: Photo, request: FastifyRequest) => photoView(photo, media.urlsFor(request));

  app.post(
    '/users/:username/photos',
    {
      config: { ...writes.config, idempotent: 'after-body', visibility: 'self' },
      // The multipart stream is read by the handler; the body schema documents it only.
      validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : TypeBoxValidatorCompiler(route)),
      schema: {
        operationId: 'uploadPhoto',
        tags: ['photos'],
        summary: 'Upload a photo (multipart/form-data: a file field and an optional caption)',
        description:
          `Decoded fully, auto-oriented, stripped of all metadata (EXIF, GPS, XMP, IPTC) and stored as WebP variants plus a JPEG feed size. ` +
          `Accepted: ${ACCEPTED}. At most ${uploadLimit} bytes and ${config.media.maxPixels} pixels. ` +
          'For large files from phones prefer the direct upload (POST /v1/users/{username}/uploads).',
        consumes: ['multipart/form-data'],
        security: BEARER,
        params: UserParams,
        body: UploadForm,
        response: {
          201: PhotoView,
          ...errorsFor({
            400: ['FILE_MISSING', 'TOO_MANY_FILES', 'MALFORMED_MULTIPART', 'IMAGE_CORRUPT'],
            401: [],
            403: ['FORBIDDEN', 'ACCOUNT_DELETED', 'STORAGE_QUOTA_EXCEEDED'],
            404: ['USER_NOT_FOUND'],
            408: ['UPLOAD_TIMEOUT', 'UPLOAD_TOO_SLOW'],
            409: [],
            413: ['IMAGE_TOO_LARGE'],
            415: ['UNSUPPORTED_IMAGE', 'HEIC_UNSUPPORTED'],
            422: ['IMAGE_ASPECT_RATIO'],
            429: ['UPLOAD_IN_PROGRESS', 'UPLOAD_RATE_EXCEEDED'],
            503: ['UPLOADS_BUSY', 'MEDIA_BUSY', 'STORAGE_FULL', 'STORAGE_READ_ONLY'],
          }),
        },
      },
    },
    async (request, reply) => {
      const { username } = request.params;
      assertSelf(request, username, 'upload photos to this account');
      const release = media.gate.acquire(username);
      let file: ReceivedFile | undefined;
      const allowed = () => assertUploadAllowed(db, username, media.quota, reservationGraceSeconds(config.media.uploadSlotTtlSeconds));
      // A keyed retry of an upload that used the last of the quota must still get its photo:
      // with a key, the bounds are checked once the key is known not to be a repeat.
      const keyed = request.idempotency !== undefined;
      try {
        if (!keyed) await allowed();
        const form = await readUploadForm(request, uploadLimit, config.media.uploadIdleTimeoutMs, config.media.tmpDir, minimumRate(config));
        file = form.file;
        if (keyed && (await claimAfterBody(request, reply, [await fileDigest(file.path), form.caption ?? null]))) return reply;
        if (keyed) await allowed();
        // Refused before any image work, as the direct upload's body schema refuses it.
        assertCaption(form.caption);
        const path = file.path;
        const photo = await keyedEffect(request, () => ingestPhoto(ctx, { username, path, caption: form.caption }));
        return await reply.status(201).header('location', photoPath(photo)).send(photoView(photo, media.urlsFor(request), 0));
      } finally {
        release();
        await file?.remove();
      }
    },
  );

  app.get(
    '/users/:username/photos',
    {
      config: { visibility: { user: 'username', show: 'content' } },
      schema: {
        operationId: 'listUserPhotos',
        tags: ['photos'],
        summary: "A user's photos, newest first, each with your own reactions on it (one BatchGetItem per page)",
        security: BEARER,
        params: UserParams,
        querystring: PageQuery,
        response: { 200: Page(PhotoForViewer, 'PhotoPage'), ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 404: ['USER_NOT_FOUND'], 503: [] }) },
      },
    },
    async (request) => {
      const page = await listPhotosForViewer(db, request.username, request.params.username, request.query, viewerBlocks(request));
      return mapPage(page, ({ photo, myReactions, comments }) => photoForViewerView(photo, myReactions, media.urlsFor(request), comments));
    },
  );

  /** Who reacted, with each reactor's card and your relation to them (the reactions list with expand=profile). */
  const reactorsView = (page: ListPage<{ reaction: Reaction } & Related>, request: FastifyRequest) =>
    mapPage(page, ({ reaction, user, following, followedBy, requested }) => ({
      ...reactionView(reaction),
      ...(user ? { user: profileCardView(user, { follows: following, followedBy, requested }, media.urlsFor(request)) } : {}),
    }));

  app.get(
    '/photos/:photoId',
    {
      config: { visibility: { photo: 'photoId', show: 'content', batched: true } },
      schema: {
        operationId: 'getPhoto',
        tags: ['photos'],
        summary: "A photo with its reaction counts, your own reactions on it and its author's card (one BatchGetItem); expand adds the first pages of its reactions and comments",
        description:
          "`author` is the author's public card as the feed shows it (never private fields), with your relation to them: the photo screen needs no profile call. " +
          'expand=reactions adds `reactionPage`, the first page of GET /v1/photos/{photoId}/reactions?expand=profile; expand=comments adds `commentPage`, the first page of ' +
          'GET /v1/photos/{photoId}/comments (oldest first); expand=reactions,comments both. Their nextCursor continues on those routes, and they show what those routes show ' +
          '(the same blocks, private accounts and suspended authors left out). The visibility check is made once for all of them, so the photo screen is one call.',
        security: BEARER,
        params: PhotoParams,
        querystring: PhotoQuery,
        response: { 200: PhotoDetail, ...errorsFor({ 400: [], 401: [], 404: ['PHOTO_NOT_FOUND'], 503: [] }) },
      },
    },
    async (request) => {
      const { username, timestamp } = photoRef(request.params.photoId);
      const { expand, reactionsLimit, commentsLimit } = request.query;
      const expanded = new Set(expand?.split(','));
      // The lists' Queries, then one BatchGetItem carrying the guard's keys (another user's photo: its
      // author with the relation), decided first, then the photo and both pages (src/patterns/photo-screen.ts).
      const guard = visibilityGuard(request);
      const seenBy = guard && {
        keys: guard.keys,
        decide: async (found: RawItem[]) => {
          await guard.decide(found);
          return { blocks: viewerBlocks(request), author: request.ownerView?.owner };
        },
      };
      const lists = { reactions: expanded.has('reactions') ? { limit: reactionsLimit } : undefined, comments: expanded.has('comments') ? { limit: commentsLimit } : undefined };
      const { photo, myReactions, comments, author, reactionPage: reactions, commentPage: conversation } = await getPhotoScreen(db, request.username, username, timestamp, lists, seenBy);
      const seen = request.ownerView;
      const relation = seen ? { follows: seen.relation.following, followedBy: seen.relation.followedBy, requested: seen.relation.requested } : SELF;
      return {
        ...photoForViewerView(photo, myReactions, media.urlsFor(request), comments),
        author: profileCardView(author, relation, media.urlsFor(request)),
        ...(reactions ? { reactionPage: reactorsView(reactions, request) } : {}),
        ...(conversation ? { commentPage: mapPage(conversation, ({ comment, likedByMe }) => commentView(comment, likedByMe)) } : {}),
      };
    },
  );

  app.get(
    '/photos/:photoId/reactions',
    {
      config: { visibility: { photo: 'photoId', show: 'content' } },
      schema: {
        operationId: 'listPhotoReactions',
        tags: ['reactions'],
        summary: "A photo's reactions (the lab's photo-and-reactions index query; 404 when the photo does not exist); expand=profile adds who reacted, with your relation to them",
        security: BEARER,
        params: PhotoParams,
        querystring: Type.Object({ ...PageQuery.properties, expand: Type.Optional(Type.Literal('profile')) }),
        response: { 200: Page(ReactionWithProfile, 'ReactionPage'), ...errorsFor({ 400: ['INVALID_CURSOR'], 401: [], 404: ['PHOTO_NOT_FOUND'], 503: [] }) },
      },
    },
    async (request) => {
      const { username, timestamp } = photoRef(request.params.photoId);
      const { expand, ...page } = request.query;
      const blocks = viewerBlocks(request);
      if (expand !== 'profile') return mapPage(await listVisibleReactions(db, request.username, username, timestamp, page, blocks), reactionView);
      return reactorsView(await listReactorsRelated(db, request.username, username, timestamp, page, blocks), request);
    },
  );

  app.patch(
    '/photos/:photoId',
    {
      ...writes,
      config: { ...writes.config, visibility: 'self' },
      schema: {
        operationId: 'updatePhoto',
        tags: ['photos'],
        summary: "Change your photo's caption ('' removes it); the same caption again is the same answer",
        description:
          'The caption rules of upload apply. Only the owner may edit: anyone else, and a photo that is gone (deleted, taken down), ' +
          'gets 404 PHOTO_NOT_FOUND. Feeds and activity show the new caption on their next read.',
        security: BEARER,
        params: PhotoParams,
        body: Type.Object({ caption: Caption }, { additionalProperties: false, title: 'PhotoUpdate' }),
        response: { 200: PhotoView, ...errorsFor({ 400: [], 401: [], 403: ['ACCOUNT_DELETED', 'ACCOUNT_SUSPENDED'], 404: ['PHOTO_NOT_FOUND'], 409: [], 413: [], 415: [], 429: [], 503: [] }) },
      },
    },
    async (request) => {
      const { username, timestamp } = photoRef(request.params.photoId);
      if (request.username !== username) {
        // Whether another user's photo exists is not this answer's to tell; an ended session still hears so first.
        await ensureActingLive(db);
        throw errors.photoNotFound(username, timestamp);
      }
      return view(await updateCaption(db, username, timestamp, request.body.caption), request);
    },
  );

  app.delete(
    '/photos/:photoId',
    {
      config: { ...writes.config, visibility: 'self' },
      schema: {
        operationId: 'deletePhoto',
        tags: ['photos'],
        summary: 'Delete your own photo; its reactions go with it, transactionally, and then its stored files (204 also when it is gone already)',
        security: BEARER,
        params: PhotoParams,
        response: { 204: Type.Null(), ...errorsFor({ 400: [], 401: [], 403: ['FORBIDDEN', 'ACCOUNT_DELETED'], 404: ['PHOTO_NOT_FOUND'], 409: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      const { username, timestamp } = photoRef(request.params.photoId);
      assertSelf(request, username, 'delete this photo');
      // Deleted already (a retry whose first answer was lost): the same answer, nothing released twice.
      const gone = (error: unknown) => isDomainError(error) && error.code === 'PHOTO_NOT_FOUND';
      let photo: Photo;
      try {
        photo = await getPhoto(db, username, timestamp);
        await deletePhoto(db, username, timestamp);
      } catch (error) {
        if (gone(error)) return reply.status(204).send(null);
        throw error;
      }
      // After the item is gone nothing points at the files; a failure here only wastes space
      // until `quick-photos doctor --fix` removes what no item references.
      await deletePhotoFiles(blobs, photo).catch((e: unknown) => request.log.warn({ err: e, photo: request.params.photoId }, 'photo files not removed'));
      await releaseStorage(db, username, photoBytes(photo));
      return reply.status(204).send(null);
    },
  );
};
