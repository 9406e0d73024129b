/**
 * Image delivery: `GET /v1/media/<key>?o=&v=&c=&expires=&sig=`, no Authorization header (the
 * HMAC in the URL is the permission), so a plain <img> tag, AsyncImage or Glide can load it.
 * Every fetch checks the URL's grant against the table (mayFetchImage: one BatchGetItem):
 * a block, going private, a suspension or a deletion stops the URL at once (404, as for an
 * image that is gone), whatever its expiry.
 *
 * Local store: the file with ETag/304, Range, `Cache-Control: private, immutable` until the
 * URL expires (a key's bytes never change; `private` keeps shared caches from serving an
 * image after its revocation), nosniff, and a Cross-Origin-Resource-Policy that lets other
 * origins show it. S3 store: a redirect to an S3 presigned GET of the same key, valid for 15
 * to 30 minutes (a revoked viewer may hold one that long).
 */
import send from '@fastify/send';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IMMUTABLE } from '../../blobs/index.js';
import { mayFetchImage } from '../../patterns/index.js';
import type { RouteOptions } from '../context.js';
import { isDomainError } from '../../errors.js';
import { HttpError } from '../errors.js';
import { Username } from '../../schema/entities.js';
import { errorsFor } from '../schemas.js';

const urlErrors = {
  invalid: () => new HttpError(403, 'MEDIA_URL_INVALID', 'This image URL is not signed by this service, or has expired; fetch the photo again for a fresh URL.'),
  missing: () => new HttpError(404, 'IMAGE_NOT_FOUND', 'The image is no longer stored, or no longer shown to you.'),
};

/** S3 presigned GETs are signed at the start of a window this long and valid for two: one redirect target per window. */
const S3_WINDOW_SECONDS = 900;

export const mediaRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { blobs, media, db } = ctx;

  app.get(
    '/media/v/:shard/:file',
    {
      schema: {
        operationId: 'getMedia',
        tags: ['media'],
        summary: 'An image variant, by the signed URL a photo or profile response gave (no Authorization header)',
        security: [],
        // The shape of variant keys (src/media/store.ts: per image, and the former content-addressed ones): nothing else is ever served.
        params: Type.Object({
          shard: Type.String({ pattern: '^[0-9a-f]{2}$' }),
          file: Type.String({ pattern: '^([0-9a-f]{32}-[0-9a-f]{16}|[0-9a-f]{64})\\.(webp|jpg)$' }),
        }),
        querystring: Type.Object({
          o: Username,
          v: Username,
          c: Type.Optional(Type.Literal('1')),
          expires: Type.Integer({ minimum: 0 }),
          sig: Type.String({ minLength: 1, maxLength: 100 }),
        }),
        produces: ['image/webp', 'image/jpeg'],
        response: {
          200: Type.String({ format: 'binary' }),
          206: Type.String({ format: 'binary' }),
          302: Type.Null({ description: 'S3 store: the presigned GET' }),
          304: Type.Null(),
          ...errorsFor({ 400: [], 403: ['MEDIA_URL_INVALID'], 404: ['IMAGE_NOT_FOUND'], 416: ['RANGE_NOT_SATISFIABLE'], 503: [] }),
        },
      },
    },
    async (request, reply) => {
      const key = `v/${request.params.shard}/${request.params.file}`;
      const grant = media.urls.verify(key, request.query);
      if (!grant) throw urlErrors.invalid();
      const allowed = await mayFetchImage(db, grant.owner, grant.viewer, grant.content).catch((error: unknown) => {
        if (isDomainError(error) && error.kind === 'invalid') return false;
        throw error;
      });
      if (!allowed) throw urlErrors.missing();
      const now = media.urls.now();
      void reply.header('x-content-type-options', 'nosniff').header('cross-origin-resource-policy', 'cross-origin');
      if (blobs.kind === 's3') {
        // Signed at the start of a short window, valid for two: one stable redirect target per
        // window, and a revoked viewer's presigned URL dies within 30 minutes.
        const start = Math.floor(now / S3_WINDOW_SECONDS) * S3_WINDOW_SECONDS;
        const location = await blobs.presignGet(key, { signingDate: new Date(start * 1000), expiresIn: 2 * S3_WINDOW_SECONDS, cacheControl: IMMUTABLE });
        return reply.header('cache-control', `private, max-age=${Math.max(0, Math.floor(start + S3_WINDOW_SECONDS - now))}`).redirect(location, 302);
      }
      const result = await send(request.raw, `/${key}`, {
        root: blobs.root,
        dotfiles: 'deny',
        index: false,
        etag: true,
        lastModified: true,
        acceptRanges: true,
        // Cache-Control is set below, from the URL's expiry.
        cacheControl: false,
      });
      if (result.type === 'error') {
        const status = (result.metadata.error as { status?: number }).status;
        if (status === 404 || status === undefined) throw urlErrors.missing();
        if (status === 416) {
          void reply.headers(result.headers);
          throw new HttpError(416, 'RANGE_NOT_SATISFIABLE', 'The range is outside the image.');
        }
        throw urlErrors.missing();
      }
      if (result.type === 'directory') throw urlErrors.missing();
      // A stream is sent as is (never serialized); the schema only documents the binary body.
      const cache = `private, max-age=${Math.max(0, Math.floor(request.query.expires - now))}, immutable`;
      return reply.status(result.statusCode as 200).headers(result.headers).header('cache-control', cache).send(result.stream as unknown as string);
    },
  );
  done();
};
