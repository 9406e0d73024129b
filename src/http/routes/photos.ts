/**
 * Photos: upload (multipart, type checked by content), list, read with reactions, the image
 * bytes, and delete. Bytes go to the blob store; the table keeps the blob's URI as `location`.
 */
import { randomUUID } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fileTypeFromBuffer } from 'file-type';
import { Type } from 'typebox';
import type { Photo } from '../../schema/entities.js';
import { deletePhoto, getPhoto, getPhotoWithReactions, listRecentPhotos, uploadPhoto } from '../../patterns/index.js';
import { assertSelf } from '../auth.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { httpErrors } from '../errors.js';
import { errorsFor, Page, PageQuery, PhotoParams, PhotoView, PhotoWithReactions, UserParams } from '../schemas.js';

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

export const photoUrl = (photo: { username: string; timestamp: string }): string =>
  `/v1/users/${photo.username}/photos/${encodeURIComponent(photo.timestamp)}`;

export function photoView(photo: Photo) {
  return { username: photo.username, timestamp: photo.timestamp, reactions: photo.reactions, imageUrl: `${photoUrl(photo)}/image` };
}

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
      schema: {
        tags: ['photos'],
        summary: 'Upload a photo (multipart/form-data, one file field; JPEG, PNG, WebP, GIF, HEIC/HEIF or AVIF)',
        description: `The image type is detected from its bytes. At most ${uploadLimit} bytes.`,
        consumes: ['multipart/form-data'],
        security: BEARER,
        params: UserParams,
        response: { 201: PhotoView, ...errorsFor(400, 401, 403, 404, 413, 415, 429, 503) },
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
      return reply.status(201).header('location', photoUrl(photo)).send(photoView(photo));
    },
  );

  app.get(
    '/users/:username/photos',
    {
      schema: {
        tags: ['photos'],
        summary: "A user's photos, newest first",
        security: BEARER,
        params: UserParams,
        querystring: PageQuery,
        response: { 200: Page(PhotoView), ...errorsFor(400, 401, 404, 503) },
      },
    },
    async (request) => {
      const page = await listRecentPhotos(db, request.params.username, request.query);
      return { items: page.items.map(photoView), ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
    },
  );

  app.get(
    '/users/:username/photos/:timestamp',
    {
      schema: {
        tags: ['photos'],
        summary: 'A photo and its reactions (one index query; later pages hold reactions only)',
        security: BEARER,
        params: PhotoParams,
        querystring: PageQuery,
        response: { 200: PhotoWithReactions, ...errorsFor(400, 401, 404, 503) },
      },
    },
    async (request) => {
      const { username, timestamp } = request.params;
      const result = await getPhotoWithReactions(db, username, timestamp, request.query);
      return { ...(result.photo ? { photo: photoView(result.photo) } : {}), reactions: result.reactions };
    },
  );

  app.get(
    '/users/:username/photos/:timestamp/image',
    {
      schema: {
        tags: ['photos'],
        summary: 'The image bytes, with their content type',
        security: BEARER,
        params: PhotoParams,
        produces: ['image/*'],
        response: { 200: Type.String({ format: 'binary' }), ...errorsFor(400, 401, 404, 503) },
      },
    },
    async (request, reply) => {
      const { username, timestamp } = request.params;
      const photo = await getPhoto(db, username, timestamp);
      const blob = await blobs.get(photo.location);
      if (!blob) throw httpErrors.notFound('IMAGE_NOT_FOUND', `The image of photo ${timestamp} of user ${username} is not in this store.`);
      void reply.header('content-type', blob.contentType).header('cache-control', 'private, max-age=86400, immutable');
      if (blob.size !== undefined) void reply.header('content-length', blob.size);
      // A stream is sent as is (never serialized); the schema only documents the binary body.
      return reply.send(blob.body as unknown as string);
    },
  );

  app.delete(
    '/users/:username/photos/:timestamp',
    {
      ...writes,
      schema: {
        tags: ['photos'],
        summary: 'Delete your own photo; its reactions go with it, transactionally',
        security: BEARER,
        params: PhotoParams,
        response: { 204: Type.Null(), ...errorsFor(400, 401, 403, 404, 409, 429, 503) },
      },
    },
    async (request, reply) => {
      const { username, timestamp } = request.params;
      assertSelf(request, username, 'delete this photo');
      const photo = await getPhoto(db, username, timestamp);
      await deletePhoto(db, username, timestamp);
      // After the item is gone nothing points at the blob; a failure here only wastes space.
      await blobs.delete(photo.location).catch((e: unknown) => request.log.warn({ err: e, location: photo.location }, 'blob not removed'));
      return reply.status(204).send(null);
    },
  );
};
