/**
 * Direct upload, as production mobile apps do it: ask for a slot, PUT the bytes to the
 * short-lived URL it gives (an S3 presigned PUT with the S3 store; a signed URL of this API
 * with the local store), then finalise with the caption. Slots expire by TTL; raw files of
 * unfinished uploads are swept (here on a timer, and by `quick-photos doctor --fix`).
 */
import { randomUUID } from 'node:crypto';
import { TypeBoxValidatorCompiler, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { sweepStaleParts, sweepStaleUploads, uploadKey } from '../../blobs/index.js';
import { isDomainError } from '../../errors.js';
import { Caption } from '../../schema/entities.js';
import { abandonUploadSlot, assertUploadAllowed, completedUpload, createUploadSlot, getPhoto, getUploadSlot, isResumable, quotaErrors, reservationGraceSeconds } from '../../patterns/index.js';
import { assertSelf } from '../auth.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { HttpError } from '../errors.js';
import { keyedEffect } from '../idempotency.js';
import { ingestPhoto } from '../ingest.js';
import { errorsFor, PhotoView, UserParams } from '../schemas.js';
import { minimumRate, receiveToFile, type ReceivedFile } from '../uploads.js';
import { photoPath, photoView } from '../views.js';
import { assembleParts, UPLOAD_TYPES, UploadId } from './resumable.js';


export const UploadSlotRequest = Type.Object(
  {
    contentLength: Type.Integer({ minimum: 1, description: 'Exact size of the file in bytes (the upload URL accepts only this size)' }),
    contentType: Type.Union(UPLOAD_TYPES.map((t) => Type.Literal(t))),
  },
  { additionalProperties: false, title: 'UploadSlotRequest' },
);

export const UploadSlotView = Type.Object(
  {
    uploadId: UploadId,
    method: Type.Literal('PUT'),
    url: Type.String({ description: 'PUT the raw bytes here, with exactly these headers; no Authorization header' }),
    headers: Type.Record(Type.String(), Type.String()),
    expiresAt: Type.String({ format: 'date-time' }),
    completeUrl: Type.String({ description: 'Then POST { caption } here (with the access token)' }),
  },
  { title: 'UploadSlot' },
);

export const CompleteUploadBody = Type.Object(
  { caption: Type.Optional(Caption) },
  { additionalProperties: false, title: 'CompleteUploadRequest' },
);

const slotErrors = {
  notReceived: () => new HttpError(409, 'UPLOAD_NOT_RECEIVED', 'No bytes have been PUT to this upload yet; PUT the file to its url first.'),
  lengthMismatch: (expected: number) => new HttpError(400, 'UPLOAD_LENGTH_MISMATCH', `This upload accepts exactly ${expected} bytes.`),
  invalidUrl: () => new HttpError(403, 'UPLOAD_URL_INVALID', 'This upload URL is not signed by this service, or has expired; ask for a new slot.'),
  wrongStore: () => new HttpError(404, 'NOT_FOUND', 'Uploads go straight to the S3 store here: use the url of your upload slot.'),
};

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');

/** Signed-in routes: create a slot, finalise it. */
export const uploadRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config, blobs, media } = ctx;
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };
  const limit = config.http.uploadLimitBytes;
  const grace = reservationGraceSeconds(config.media.uploadSlotTtlSeconds);

  app.post(
    '/users/:username/uploads',
    {
      config: { ...writes.config, idempotent: true, visibility: 'self' },
      schema: {
        operationId: 'createUploadSlot',
        tags: ['photos'],
        summary: 'Start a direct upload: a short-lived URL to PUT the file to',
        security: BEARER,
        params: UserParams,
        body: UploadSlotRequest,
        response: {
          201: UploadSlotView,
          ...errorsFor({ 400: [], 401: [], 403: ['FORBIDDEN', 'ACCOUNT_DELETED', 'STORAGE_QUOTA_EXCEEDED'], 413: [], 429: ['UPLOAD_RATE_EXCEEDED', 'UPLOAD_SLOTS_EXCEEDED'], 503: [] }),
        },
      },
    },
    async (request, reply) => {
      const { username } = request.params;
      assertSelf(request, username, 'upload photos to this account');
      const { contentLength, contentType } = request.body;
      if (contentLength > limit) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `The file is larger than the limit of ${limit} bytes.`);
      // Reservations of slots long expired come back first; their raw files go with them.
      const released = await assertUploadAllowed(db, username, media.quota, grace);
      await Promise.all(released.map((id) => blobs.delete(blobs.locationOf(uploadKey(id))).catch(() => undefined)));
      const uploadId = randomUUID().replaceAll('-', '');
      const expiresAt = Math.ceil(Date.now() / 1000) + config.media.uploadSlotTtlSeconds;
      const key = uploadKey(uploadId);
      // The declared size is reserved against the quota now, before any byte is sent.
      await keyedEffect(request, () => createUploadSlot(db, { uploadId, username, key, contentLength, contentType, expiresAt }, media.quota));
      const url =
        blobs.kind === 's3'
          ? await blobs.presignPut(key, { contentLength, contentType, expiresIn: config.media.uploadSlotTtlSeconds })
          : media.urls.signUpload(uploadId, expiresAt);
      return reply.status(201).send({
        uploadId,
        method: 'PUT' as const,
        url,
        headers: { 'content-type': contentType, 'content-length': String(contentLength) },
        expiresAt: iso(expiresAt),
        completeUrl: `/v1/users/${username}/uploads/${uploadId}/complete`,
      });
    },
  );

  app.post(
    '/users/:username/uploads/:uploadId/complete',
    {
      config: { ...writes.config, idempotent: true, visibility: 'self' },
      schema: {
        operationId: 'completeUpload',
        tags: ['photos'],
        summary: 'Finalise a direct upload (resumable or not): process the file and create the photo (201); repeated, it answers the same photo (200)',
        security: BEARER,
        params: Type.Object({ username: UserParams.properties.username, uploadId: UploadId }),
        body: CompleteUploadBody,
        response: {
          200: PhotoView,
          201: PhotoView,
          ...errorsFor({
            400: ['IMAGE_CORRUPT', 'UPLOAD_LENGTH_MISMATCH'],
            401: [],
            403: ['FORBIDDEN', 'ACCOUNT_DELETED', 'STORAGE_QUOTA_EXCEEDED'],
            404: ['UPLOAD_NOT_FOUND', 'USER_NOT_FOUND', 'PHOTO_NOT_FOUND'],
            409: ['UPLOAD_NOT_RECEIVED', 'UPLOAD_PARTS_MISSING'],
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
      const { username, uploadId } = request.params;
      assertSelf(request, username, 'upload photos to this account');
      // A slot that already became a photo answers that photo: the client missed the first answer.
      const replay = async (timestamp: string) => {
        const photo = await getPhoto(db, username, timestamp);
        return reply.status(200).header('location', photoPath(photo)).send(photoView(photo, media.urlsFor(request)));
      };
      const slot = await getUploadSlot(db, uploadId, username);
      if (slot.photoTimestamp) return replay(slot.photoTimestamp);
      const release = media.gate.acquire(username);
      let file: ReceivedFile | undefined;
      const raw = blobs.locationOf(slot.key);
      try {
        // A resumable upload's parts become its raw file first; the rest is the same.
        if (isResumable(slot)) await assembleParts(blobs, slot);
        const blob = await blobs.get(raw);
        if (!blob) {
          // A concurrent complete of this slot may have finished and removed the bytes.
          const done = await completedUpload(db, uploadId, username);
          if (done) return await replay(done);
          throw slotErrors.notReceived();
        }
        try {
          file = await receiveToFile(blob.body, { dir: config.media.tmpDir, limit: isResumable(slot) ? slot.contentLength : limit, idleMs: config.media.uploadIdleTimeoutMs });
        } catch (error) {
          // The bytes vanished while being read: a concurrent complete finished first.
          const done = await completedUpload(db, uploadId, username).catch(() => undefined);
          if (done) return await replay(done);
          throw error;
        }
        let photo;
        try {
          photo = await ingestPhoto(ctx, { username, path: file.path, caption: request.body.caption, uploadId, slot });
        } catch (error) {
          // Lost the race to a concurrent complete of this slot: ingestPhoto removed only its own files.
          if (isDomainError(error) && error.code === 'UPLOAD_NOT_FOUND') {
            const done = await completedUpload(db, uploadId, username).catch(() => undefined);
            if (done) return await replay(done);
          }
          // Bytes the pipeline refuses will never become a photo: drop them and the slot now.
          if (isDomainError(error) && (error.kind === 'unsupported_media' || error.kind === 'invalid' || error.kind === 'too_large' || error.kind === 'unprocessable')) {
            await Promise.all([blobs.delete(raw), abandonUploadSlot(db, slot)]).catch(() => undefined);
          }
          throw error;
        }
        await blobs.delete(raw).catch((e: unknown) => request.log.warn({ err: e }, 'raw upload not removed'));
        return await reply
          .status(201)
          .header('location', photoPath(photo))
          .send(photoView(photo, media.urlsFor(request), 0));
      } finally {
        release();
        await file?.remove();
      }
    },
  );

  // Raw files of slots that expired unfinished: swept at the age their reservations are released.
  const sweepEveryMs = Math.min(config.media.uploadSlotTtlSeconds * 1000, 600_000);
  const timer = setInterval(() => {
    sweepStaleUploads(blobs, config.media.uploadSlotTtlSeconds + grace).catch((e: unknown) => app.log.warn({ err: e }, 'upload sweep failed'));
    // No part is written after its upload expires: parts this old belong to abandoned uploads.
    sweepStaleParts(blobs, config.media.resumableTtlSeconds + grace).catch((e: unknown) => app.log.warn({ err: e }, 'upload parts sweep failed'));
  }, sweepEveryMs);
  timer.unref();
  app.addHook('onClose', () => clearInterval(timer));
  done();
};

/** The local store's upload URL: signed, no Authorization header (like an S3 presigned PUT). */
export const uploadTargetRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config, blobs, media } = ctx;
  // The body is streamed to a temporary file by the handler, whatever its type.
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.put(
    '/uploads/:uploadId',
    {
      schema: {
        operationId: 'putUploadBytes',
        tags: ['photos'],
        summary: "A direct upload's bytes (local store; with S3 the slot's url is S3's own)",
        security: [],
        params: Type.Object({ uploadId: UploadId }),
        querystring: Type.Object({ expires: Type.Integer({ minimum: 0 }), sig: Type.String({ minLength: 1, maxLength: 100 }) }),
        consumes: ['application/octet-stream', ...UPLOAD_TYPES],
        body: Type.String({ format: 'binary', description: 'The raw file, exactly contentLength bytes' }),
        response: {
          204: Type.Null(),
          ...errorsFor({ 400: ['UPLOAD_LENGTH_MISMATCH'], 403: ['UPLOAD_URL_INVALID'], 404: ['UPLOAD_NOT_FOUND', 'NOT_FOUND'], 408: ['UPLOAD_TIMEOUT', 'UPLOAD_TOO_SLOW'], 413: [], 429: ['UPLOAD_IN_PROGRESS'], 503: ['UPLOADS_BUSY', 'STORAGE_FULL', 'STORAGE_READ_ONLY'] }),
        },
      },
      // The body is streamed by the handler, never parsed or validated in memory.
      validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : TypeBoxValidatorCompiler(route)),
    },
    async (request, reply) => {
      const { uploadId } = request.params;
      if (blobs.kind !== 'local') throw slotErrors.wrongStore();
      if (!media.urls.verifyUpload(uploadId, request.query.expires, request.query.sig)) throw slotErrors.invalidUrl();
      const slot = await getUploadSlot(db, uploadId);
      // A completed slot's bytes are already a photo: nothing more is accepted for it.
      if (slot.photoTimestamp) throw quotaErrors.uploadNotFound();
      if (Number(request.headers['content-length']) !== slot.contentLength) throw slotErrors.lengthMismatch(slot.contentLength);
      const release = media.gate.acquire(slot.username);
      let file: ReceivedFile | undefined;
      try {
        file = await receiveToFile(request.raw, { dir: config.media.tmpDir, limit: slot.contentLength, idleMs: config.media.uploadIdleTimeoutMs, minRate: minimumRate(config) });
        if (file.bytes !== slot.contentLength) throw slotErrors.lengthMismatch(slot.contentLength);
        await blobs.putFile(slot.key, file.path, slot.contentType);
        return await reply.status(204).send(null);
      } finally {
        release();
        await file?.remove();
      }
    },
  );
  done();
};
