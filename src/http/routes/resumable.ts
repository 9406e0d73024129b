/**
 * Resumable direct upload, for files past the single PUT's limit or connections that drop:
 * start (the declared size is reserved against the quota, as for a slot), PUT the parts to the
 * URLs the answer lists (presigned UploadPart URLs with the S3 store; signed URLs of this API
 * with the local store), ask which parts arrived and PUT the missing ones again, then complete
 * through the direct upload's complete. The answer has one shape whatever the store.
 *
 * The upload is a slot with parts (src/patterns/upload-slots.ts): the same reservation, the same
 * `UPLOAD_SLOTS_PER_USER` bound, the same complete; it lives `UPLOAD_RESUMABLE_TTL_SECONDS`
 * while each part URL lives `UPLOAD_SLOT_TTL_SECONDS` (asking for the parts signs new ones).
 */
import { randomUUID } from 'node:crypto';
import { TypeBoxValidatorCompiler, type FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { discardUpload, uploadKey, type BlobStore, type PartInfo } from '../../blobs/index.js';
import type { Config } from '../../config/index.js';
import { abandonUploadSlot, assertUploadAllowed, createUploadSlot, getUploadSlot, isResumable, quotaErrors, reservationGraceSeconds, type ResumableSlot, writeOutcomeUnknown } from '../../patterns/index.js';
import { ensureActingLive } from '../../patterns/session-check.js';
import { assertSelf } from '../auth.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { HttpError } from '../errors.js';
import { keyedEffect } from '../idempotency.js';
import type { MediaContext } from '../media.js';
import { errorsFor, UserParams } from '../schemas.js';
import { minimumRate, receiveToFile, type ReceivedFile } from '../uploads.js';

export const UPLOAD_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/gif', 'image/avif', 'image/heic', 'image/heif', 'image/tiff'] as const;
export const UploadId = Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$', description: 'Opaque upload id' });
const PartNumber = Type.Integer({ minimum: 1, maximum: 10_000, description: 'Parts are numbered from 1' });

export const ResumableUploadRequest = Type.Object(
  {
    contentLength: Type.Integer({ minimum: 1, description: 'Exact size of the whole file in bytes (at most UPLOAD_RESUMABLE_MAX_BYTES)' }),
    contentType: Type.Union(UPLOAD_TYPES.map((t) => Type.Literal(t))),
  },
  { additionalProperties: false, title: 'ResumableUploadRequest' },
);

const PartTarget = Type.Object(
  {
    partNumber: PartNumber,
    size: Type.Integer({ minimum: 1, description: 'The exact number of bytes this part takes: bytes [(partNumber - 1) * partSize, +size) of the file' }),
    method: Type.Literal('PUT'),
    url: Type.String({ description: 'PUT the part here, with exactly these headers; no Authorization header' }),
    headers: Type.Record(Type.String(), Type.String()),
  },
  { title: 'UploadPartTarget' },
);

export const ResumableUploadView = Type.Object(
  {
    uploadId: UploadId,
    contentLength: Type.Integer({ minimum: 1 }),
    partSize: Type.Integer({ minimum: 1, description: 'Every part but the last has this size' }),
    partCount: Type.Integer({ minimum: 1 }),
    expiresAt: Type.String({ format: 'date-time', description: 'Complete before this; afterwards the upload and its parts are gone' }),
    received: Type.Array(Type.Object({ partNumber: PartNumber, size: Type.Integer({ minimum: 0 }) }, { title: 'ReceivedPart' }), { description: 'Parts stored so far' }),
    missing: Type.Array(PartTarget, { description: 'Parts still to send, first missing first, each with a fresh URL' }),
    urlsExpireAt: Type.String({ format: 'date-time', description: 'The part URLs stop working then: ask partsUrl for new ones' }),
    partsUrl: Type.String({ description: 'GET (with the access token): which parts arrived, and new URLs for the missing ones' }),
    completeUrl: Type.String({ description: 'When no part is missing, POST { caption } here (with the access token)' }),
    abortUrl: Type.String({ description: 'DELETE (with the access token) gives the upload up and its reservation back' }),
  },
  { title: 'ResumableUpload' },
);

export const partErrors = {
  invalidPart: (partNumber: number, count: number) => new HttpError(400, 'UPLOAD_PART_INVALID', `Part ${partNumber} does not exist: this upload has parts 1 to ${count}.`),
  partLength: (partNumber: number, expected: number) => new HttpError(400, 'UPLOAD_LENGTH_MISMATCH', `Part ${partNumber} takes exactly ${expected} bytes.`),
  missing: (parts: number[]) => new HttpError(409, 'UPLOAD_PARTS_MISSING', `Parts ${parts.join(', ')} have not arrived; PUT them (GET the upload's parts for their URLs), then complete.`),
  completed: () => new HttpError(409, 'UPLOAD_COMPLETED', 'This upload is already a photo; delete the photo instead.'),
  invalidUrl: () => new HttpError(403, 'UPLOAD_URL_INVALID', 'This part URL is not signed by this service, or has expired; GET the upload\'s parts for new URLs.'),
  wrongStore: () => new HttpError(404, 'NOT_FOUND', 'Parts go straight to the S3 store here: use the part urls of your upload.'),
};

const iso = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');

export const partCount = (slot: Pick<ResumableSlot, 'contentLength' | 'partSize'>): number => Math.ceil(slot.contentLength / slot.partSize);

/** The size part `n` must have: partSize, but the last takes the rest. */
export const partLength = (slot: Pick<ResumableSlot, 'contentLength' | 'partSize'>, n: number): number =>
  n < partCount(slot) ? slot.partSize : slot.contentLength - slot.partSize * (partCount(slot) - 1);

/** The part signature's subject: the upload's own URL path below /v1/uploads/ (an upload id has no slash). */
const partSubject = (uploadId: string, n: number) => `${uploadId}/parts/${n}`;

async function describe(blobs: BlobStore, media: MediaContext, config: Config, slot: ResumableSlot, received: PartInfo[]) {
  const now = Math.floor(Date.now() / 1000);
  const urlsExpireAt = Math.min(now + config.media.uploadSlotTtlSeconds, slot.expiresAt);
  const have = new Set(received.filter((p) => p.size === partLength(slot, p.partNumber)).map((p) => p.partNumber));
  const numbers = Array.from({ length: partCount(slot) }, (_v, i) => i + 1);
  const missing = await Promise.all(
    numbers
      .filter((n) => !have.has(n))
      .map(async (n) => {
        const size = partLength(slot, n);
        const url =
          blobs.kind === 's3'
            ? await blobs.presignPart(slot.key, slot.partsId, n, { contentLength: size, expiresIn: Math.max(1, urlsExpireAt - now) })
            : media.urls.signUpload(partSubject(slot.uploadId, n), urlsExpireAt);
        return { partNumber: n, size, method: 'PUT' as const, url, headers: { 'content-length': String(size) } };
      }),
  );
  const base = `/v1/users/${slot.username}/uploads/${slot.uploadId}`;
  return {
    uploadId: slot.uploadId,
    contentLength: slot.contentLength,
    partSize: slot.partSize,
    partCount: partCount(slot),
    expiresAt: iso(slot.expiresAt),
    received: received.filter((p) => have.has(p.partNumber)).map((p) => ({ partNumber: p.partNumber, size: p.size })),
    missing,
    urlsExpireAt: iso(urlsExpireAt),
    partsUrl: `${base}/parts`,
    completeUrl: `${base}/complete`,
    abortUrl: base,
  };
}

/**
 * Joins a resumable upload's parts into its raw file (complete calls it before processing):
 * 409 UPLOAD_PARTS_MISSING while a part is absent, 400 UPLOAD_LENGTH_MISMATCH for a part of
 * the wrong size. Parts already joined (a concurrent or earlier complete) are left to the caller.
 */
export async function assembleParts(blobs: BlobStore, slot: ResumableSlot): Promise<void> {
  const parts = await blobs.listParts(slot.key, slot.partsId);
  if (!parts) return;
  const count = partCount(slot);
  const missing = Array.from({ length: count }, (_v, i) => i + 1).filter((n) => !parts.some((p) => p.partNumber === n));
  if (missing.length > 0) throw partErrors.missing(missing);
  const wrong = parts.find((p) => p.partNumber > count || p.size !== partLength(slot, p.partNumber));
  if (wrong) throw partErrors.partLength(wrong.partNumber, wrong.partNumber > count ? 0 : partLength(slot, wrong.partNumber));
  await blobs.completeParts(slot.key, slot.partsId, parts);
}

const SlotParams = Type.Object({ username: UserParams.properties.username, uploadId: UploadId });

/** Signed-in routes: start, ask for the parts, give up. */
export const resumableRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config, blobs, media } = ctx;
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };
  const max = config.media.resumableMaxBytes;
  const grace = reservationGraceSeconds(config.media.uploadSlotTtlSeconds);

  const ownResumable = async (uploadId: string, username: string): Promise<ResumableSlot> => {
    const slot = await getUploadSlot(db, uploadId, username);
    if (!isResumable(slot)) throw quotaErrors.uploadNotFound();
    return slot;
  };

  app.post(
    '/users/:username/resumable-uploads',
    {
      // A retry with the key answers the same upload: a second start would reserve the size again.
      config: { ...writes.config, idempotent: true, visibility: 'self' },
      schema: {
        operationId: 'startResumableUpload',
        tags: ['photos'],
        summary: 'Start a resumable direct upload: the file in parts, each PUT to its own URL; send an Idempotency-Key so that a retry starts once',
        security: BEARER,
        params: UserParams,
        body: ResumableUploadRequest,
        response: {
          201: ResumableUploadView,
          ...errorsFor({ 400: [], 401: [], 403: ['FORBIDDEN', 'ACCOUNT_DELETED', 'STORAGE_QUOTA_EXCEEDED'], 413: ['PAYLOAD_TOO_LARGE'], 429: ['UPLOAD_RATE_EXCEEDED', 'UPLOAD_SLOTS_EXCEEDED'], 503: [] }),
        },
      },
    },
    async (request, reply) => {
      const { username } = request.params;
      assertSelf(request, username, 'upload photos to this account');
      const { contentLength, contentType } = request.body;
      if (contentLength > max) throw new HttpError(413, 'PAYLOAD_TOO_LARGE', `The file is larger than the limit of ${max} bytes.`);
      const released = await assertUploadAllowed(db, username, media.quota, grace);
      await Promise.all(released.map((id) => blobs.delete(blobs.locationOf(uploadKey(id))).catch(() => undefined)));
      const uploadId = randomUUID().replaceAll('-', '');
      const key = uploadKey(uploadId);
      const expiresAt = Math.ceil(Date.now() / 1000) + config.media.resumableTtlSeconds;
      const partsId = await blobs.startParts(key, contentType);
      const slot: ResumableSlot = { uploadId, username, key, contentLength, contentType, expiresAt, partsId, partSize: config.media.partBytes };
      try {
        await keyedEffect(request, () => createUploadSlot(db, slot, media.quota));
      } catch (error) {
        // A slot that may exist all the same keeps its parts (an expired slot's sweep aborts them).
        if (!writeOutcomeUnknown(error)) await blobs.abortParts(key, partsId).catch(() => undefined);
        throw error;
      }
      return reply.status(201).send(await describe(blobs, media, config, slot, []));
    },
  );

  app.get(
    '/users/:username/uploads/:uploadId/parts',
    {
      // Guarded as the user's content (a blocker is 404, a private account 403) before assertSelf refuses anyone else.
      config: { visibility: { user: 'username', show: 'content' } },
      schema: {
        operationId: 'getResumableUpload',
        tags: ['photos'],
        summary: 'Which parts of a resumable upload arrived, and fresh URLs for the missing ones (resume from the first missing)',
        security: BEARER,
        params: SlotParams,
        response: { 200: ResumableUploadView, ...errorsFor({ 401: [], 403: ['FORBIDDEN'], 404: ['UPLOAD_NOT_FOUND', 'USER_NOT_FOUND'] }) },
      },
    },
    async (request) => {
      const { username, uploadId } = request.params;
      assertSelf(request, username, 'upload photos to this account');
      const slot = await ownResumable(uploadId, username);
      // Completed (or being completed): every part is in; complete answers the photo.
      const parts = slot.photoTimestamp ? undefined : await blobs.listParts(slot.key, slot.partsId);
      const all = Array.from({ length: partCount(slot) }, (_v, i) => ({ partNumber: i + 1, size: partLength(slot, i + 1), etag: '' }));
      return describe(blobs, media, config, slot, parts ?? all);
    },
  );

  app.delete(
    '/users/:username/uploads/:uploadId',
    {
      config: { ...writes.config, visibility: 'self' },
      schema: {
        operationId: 'abortUpload',
        tags: ['photos'],
        summary: 'Give up a direct upload (resumable or not): its parts and bytes are removed and its reservation released',
        security: BEARER,
        params: SlotParams,
        response: { 204: Type.Null(), ...errorsFor({ 401: [], 403: ['FORBIDDEN'], 404: ['UPLOAD_NOT_FOUND', 'USER_NOT_FOUND'], 409: ['UPLOAD_COMPLETED'] }) },
      },
    },
    async (request, reply) => {
      const { username, uploadId } = request.params;
      assertSelf(request, username, 'upload photos to this account');
      const slot = await getUploadSlot(db, uploadId, username);
      if (slot.photoTimestamp) throw partErrors.completed();
      // The writes below carry no acting condition: an ended session is refused before them.
      await ensureActingLive(db);
      await discardUpload(blobs, slot);
      await abandonUploadSlot(db, slot);
      return reply.status(204).send(null);
    },
  );
  done();
};

/** The local store's part URLs: signed, no Authorization header (like S3's presigned UploadPart). */
export const partTargetRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { db, config, blobs, media } = ctx;
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));

  app.put(
    '/uploads/:uploadId/parts/:partNumber',
    {
      schema: {
        operationId: 'putUploadPart',
        tags: ['photos'],
        summary: "One part of a resumable upload (local store; with S3 the part urls are S3's own)",
        security: [],
        params: Type.Object({ uploadId: UploadId, partNumber: PartNumber }),
        querystring: Type.Object({ expires: Type.Integer({ minimum: 0 }), sig: Type.String({ minLength: 1, maxLength: 100 }) }),
        consumes: ['application/octet-stream'],
        body: Type.String({ format: 'binary', description: 'The part: exactly its size in bytes' }),
        response: {
          204: Type.Null(),
          ...errorsFor({
            400: ['UPLOAD_LENGTH_MISMATCH', 'UPLOAD_PART_INVALID'],
            403: ['UPLOAD_URL_INVALID'],
            404: ['UPLOAD_NOT_FOUND', 'NOT_FOUND'],
            408: ['UPLOAD_TIMEOUT', 'UPLOAD_TOO_SLOW'],
            413: [],
            429: ['UPLOAD_IN_PROGRESS'],
            503: ['UPLOADS_BUSY', 'STORAGE_FULL', 'STORAGE_READ_ONLY'],
          }),
        },
      },
      validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : TypeBoxValidatorCompiler(route)),
    },
    async (request, reply) => {
      const { uploadId, partNumber } = request.params;
      if (blobs.kind !== 'local') throw partErrors.wrongStore();
      if (!media.urls.verifyUpload(partSubject(uploadId, partNumber), request.query.expires, request.query.sig)) throw partErrors.invalidUrl();
      const slot = await getUploadSlot(db, uploadId);
      if (!isResumable(slot) || slot.photoTimestamp) throw quotaErrors.uploadNotFound();
      if (partNumber > partCount(slot)) throw partErrors.invalidPart(partNumber, partCount(slot));
      const expected = partLength(slot, partNumber);
      if (Number(request.headers['content-length']) !== expected) throw partErrors.partLength(partNumber, expected);
      // A part takes an upload place like a whole file: the same per-user, total and fair-share bounds.
      const release = media.gate.acquire(slot.username);
      let file: ReceivedFile | undefined;
      try {
        file = await receiveToFile(request.raw, { dir: config.media.tmpDir, limit: expected, idleMs: config.media.uploadIdleTimeoutMs, minRate: minimumRate(config) });
        if (file.bytes !== expected) throw partErrors.partLength(partNumber, expected);
        if (!(await blobs.putPart(slot.partsId, partNumber, file.path))) throw quotaErrors.uploadNotFound();
        return await reply.status(204).send(null);
      } finally {
        release();
        await file?.remove();
      }
    },
  );
  done();
};
