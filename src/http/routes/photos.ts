/**
 * Photos: upload (multipart, type checked by content), list, read, its reactions, the image
 * bytes, and delete. Bytes go to the blob store; the table keeps the blob's URI as `location`.
 * A photo is addressed by its opaque id (src/schema/ids.ts), never by a key.
 */
import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import { TypeBoxValidatorCompiler, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fileTypeFromBuffer } from 'file-type';
import { Type } from 'typebox';
import type { Photo } from '../../schema/entities.js';
import { deletePhoto, getPhoto, getPhotoWithReactions, listPhotosForViewer, listReactorsRelated, uploadPhoto } from '../../patterns/index.js';
import { assertSelf } from '../auth.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { httpErrors } from '../errors.js';
import { errorsFor, Page, PageQuery, PhotoForViewer, PhotoParams, PhotoView, ReactionWithProfile, UploadForm, UserParams } from '../schemas.js';
import { pageView, photoForViewerView, photoPath, photoRef, photoView, profileCardView, reactionView } from '../views.js';

/** What we accept, detected from the bytes (never from the file name or the client's header). */
const IMAGE_TYPES: Record<string, string> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/heic': 'heic',
  'image/heif': 'heif',
  'image/avif': 'avif',
};

export const photoRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  const { db, config, blobs } = ctx;
  const uploadLimit = config.http.uploadLimitBytes;
  // Registered in this scope only: no other route accepts multipart bodies.
  await app.register(multipart, { limits: { fileSize: uploadLimit, files: 1, fields: 4, parts: 5, fieldSize: 1024 } });
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };

  app.post(
    '/users/:username/photos',
    {
      ...writes,
      // The multipart stream is read by the handler; the body schema documents it only.
      validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : TypeBoxValidatorCompiler(route)),
      schema: {
        operationId: 'uploadPhoto',
        tags: ['photos'],
        summary: 'Upload a photo (multipart/form-data, one file field; JPEG, PNG, WebP, GIF, HEIC/HEIF or AVIF)',
        description: `The image type is detected from its bytes. At most ${uploadLimit} bytes.`,
        consumes: ['multipart/form-data'],
        security: BEARER,
        params: UserParams,
        body: UploadForm,
        response: {
          201: PhotoView,
          ...errorsFor({ 400: ['FILE_MISSING'], 401: [], 403: ['FORBIDDEN'], 404: ['USER_NOT_FOUND'], 409: [], 413: [], 415: [], 429: [], 503: [] }),
        },
      },
    },
    async (request, reply) => {
      const { username } = request.params;
      assertSelf(request, username, 'upload photos to this account');
      if (!request.isMultipart()) throw httpErrors.unsupportedMedia('Upload the image as multipart/form-data with one file field.');
      const file = await request.file();
      if (!file) throw httpErrors.badRequest('FILE_MISSING', 'The multipart body has no file field.');
      const bytes = await file.toBuffer();
      const type = await fileTypeFromBuffer(bytes);
      const ext = type ? IMAGE_TYPES[type.mime] : undefined;
      if (!type || !ext) {
        throw httpErrors.unsupportedMedia(`The file is ${type ? type.mime : 'not a recognised image'}; upload ${Object.keys(IMAGE_TYPES).join(', ')}.`);
      }
      const location = await blobs.put(`${username}/${randomUUID()}.${ext}`, bytes, type.mime);
      let photo: Photo;
      try {
        photo = await uploadPhoto(db, { username, location });
      } catch (error) {
        // No photo item refers to the blob: remove it so failed uploads leave nothing behind.
        await blobs.delete(location).catch((e: unknown) => request.log.warn({ err: e, location }, 'orphan blob not removed'));
        throw error;
      }
      return reply.status(201).header('location', photoPath(photo)).send(photoView(photo));
    },
  );

  app.get(
    '/users/:username/photos',
    {
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
      const page = await listPhotosForViewer(db, request.username, request.params.username, request.query);
      return pageView(page, ({ photo, myReactions }) => photoForViewerView(photo, myReactions));
    },
  );

  app.get(
    '/photos/:photoId',
    {
      schema: {
        operationId: 'getPhoto',
        tags: ['photos'],
        summary: 'A photo with its reaction counts',
        security: BEARER,
        params: PhotoParams,
        response: { 200: PhotoView, ...errorsFor({ 400: [], 401: [], 404: ['PHOTO_NOT_FOUND'], 503: [] }) },
      },
    },
    async (request) => {
      const { username, timestamp } = photoRef(request.params.photoId);
      return photoView(await getPhoto(db, username, timestamp));
    },
  );

  app.get(
    '/photos/:photoId/reactions',
    {
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
      if (expand !== 'profile') return pageView((await getPhotoWithReactions(db, username, timestamp, page)).reactions, reactionView);
      return pageView(await listReactorsRelated(db, request.username, username, timestamp, page), ({ reaction, user, following, followedBy }) => ({
        ...reactionView(reaction),
        ...(user ? { user: profileCardView(user, { follows: following, followedBy }) } : {}),
      }));
    },
  );

  app.get(
    '/photos/:photoId/image',
    {
      schema: {
        operationId: 'getPhotoImage',
        tags: ['photos'],
        summary: 'The image bytes, with their content type',
        security: BEARER,
        params: PhotoParams,
        response: {
          200: { description: 'The image', content: { 'image/*': { schema: Type.String({ format: 'binary' }) } } },
          ...errorsFor({ 400: [], 401: [], 404: ['PHOTO_NOT_FOUND', 'IMAGE_NOT_FOUND'], 503: [] }),
        },
      },
    },
    async (request, reply) => {
      const { username, timestamp } = photoRef(request.params.photoId);
      const photo = await getPhoto(db, username, timestamp);
      const blob = await blobs.get(photo.location);
      if (!blob) throw httpErrors.notFound('IMAGE_NOT_FOUND', `The image of photo ${request.params.photoId} is not in this store.`);
      void reply.header('content-type', blob.contentType).header('cache-control', 'private, max-age=86400, immutable');
      if (blob.size !== undefined) void reply.header('content-length', blob.size);
      // A stream is sent as is (never serialized); the schema only documents the binary body.
      return reply.send(blob.body as unknown as string);
    },
  );

  app.delete(
    '/photos/:photoId',
    {
      ...writes,
      schema: {
        operationId: 'deletePhoto',
        tags: ['photos'],
        summary: 'Delete your own photo; its reactions go with it, transactionally',
        security: BEARER,
        params: PhotoParams,
        response: { 204: Type.Null(), ...errorsFor({ 400: [], 401: [], 403: ['FORBIDDEN'], 404: ['PHOTO_NOT_FOUND'], 409: [], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      const { username, timestamp } = photoRef(request.params.photoId);
      assertSelf(request, username, 'delete this photo');
      const photo = await getPhoto(db, username, timestamp);
      await deletePhoto(db, username, timestamp);
      // After the item is gone nothing points at the blob; a failure here only wastes space.
      await blobs.delete(photo.location).catch((e: unknown) => request.log.warn({ err: e, location: photo.location }, 'blob not removed'));
      return reply.status(204).send(null);
    },
  );
};
