/**
 * Image delivery: `GET /v1/media/<key>?expires=&sig=`, no Authorization header (the HMAC in
 * the URL is the permission), so a plain <img> tag, AsyncImage or Glide can load it.
 *
 * Local store: the file with ETag/304, Range, `Cache-Control: immutable` (keys are content
 * addressed), nosniff, and a Cross-Origin-Resource-Policy that lets other origins show it.
 * S3 store: a redirect to an S3 presigned GET of the same key.
 */
import send from '@fastify/send';
import type { FastifyPluginCallbackTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { IMMUTABLE } from '../../blobs/index.js';
import type { RouteOptions } from '../context.js';
import { HttpError } from '../errors.js';
import { errorsFor } from '../schemas.js';

const urlErrors = {
  invalid: () => new HttpError(403, 'MEDIA_URL_INVALID', 'This image URL is not signed by this service, or has expired; fetch the photo again for a fresh URL.'),
  missing: () => new HttpError(404, 'IMAGE_NOT_FOUND', 'The image is no longer stored.'),
};

export const mediaRoutes: FastifyPluginCallbackTypebox<RouteOptions> = (app, { ctx }, done) => {
  const { blobs, media } = ctx;

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
        querystring: Type.Object({ expires: Type.Integer({ minimum: 0 }), sig: Type.String({ minLength: 1, maxLength: 100 }) }),
        produces: ['image/webp', 'image/jpeg'],
        response: {
          200: Type.String({ format: 'binary' }),
          206: Type.String({ format: 'binary' }),
          302: Type.Null({ description: 'S3 store: the presigned GET' }),
          304: Type.Null(),
          ...errorsFor({ 400: [], 403: ['MEDIA_URL_INVALID'], 404: ['IMAGE_NOT_FOUND'], 416: ['RANGE_NOT_SATISFIABLE'] }),
        },
      },
    },
    async (request, reply) => {
      const key = `v/${request.params.shard}/${request.params.file}`;
      const { expires, sig } = request.query;
      if (!media.urls.verify(key, expires, sig)) throw urlErrors.invalid();
      void reply.header('x-content-type-options', 'nosniff').header('cross-origin-resource-policy', 'cross-origin');
      if (blobs.kind === 's3') {
        const now = Date.now() / 1000;
        // Signed at the start of the URL's window, valid until its expiry: stable, cacheable URLs.
        const window = Math.max(1, Math.min(900, Math.floor(media.urls.ttlSeconds / 4)));
        const signingDate = new Date(Math.floor(now / window) * window * 1000);
        const location = await blobs.presignGet(key, {
          signingDate,
          expiresIn: Math.max(1, Math.ceil(expires - signingDate.getTime() / 1000)),
          cacheControl: IMMUTABLE,
        });
        return reply.header('cache-control', `private, max-age=${Math.max(0, Math.floor(expires - now))}`).redirect(location, 302);
      }
      const result = await send(request.raw, `/${key}`, {
        root: blobs.root,
        dotfiles: 'deny',
        index: false,
        etag: true,
        lastModified: true,
        acceptRanges: true,
        maxAge: '365d',
        immutable: true,
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
      return reply.status(result.statusCode as 200).headers(result.headers).header('cache-control', IMMUTABLE).send(result.stream as unknown as string);
    },
  );
  done();
};
