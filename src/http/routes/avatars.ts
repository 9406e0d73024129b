/** Profile pictures: one per user, through the same pipeline as photos (square variants). */
import multipart from '@fastify/multipart';
import { TypeBoxValidatorCompiler, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { deleteImageFiles } from '../../blobs/index.js';
import { ACCEPTED_FORMATS } from '../../media/index.js';
import { clearAvatar } from '../../patterns/index.js';
import { assertSelf } from '../auth.js';
import { BEARER, perMinute, type RouteOptions } from '../context.js';
import { ingestAvatar } from '../ingest.js';
import { errorsFor, ImageView, UserParams } from '../schemas.js';
import { minimumRate, type ReceivedFile } from '../uploads.js';
import { imageView } from '../views.js';
import { readUploadForm } from './photos.js';

export const AvatarUploadForm = Type.Object(
  { file: Type.String({ format: 'binary', description: `The picture: ${ACCEPTED_FORMATS.join(', ')}` }) },
  { title: 'AvatarUploadForm' },
);

export const avatarRoutes: FastifyPluginAsyncTypebox<RouteOptions> = async (app, { ctx }) => {
  const { db, config, blobs, media } = ctx;
  const limit = config.http.uploadLimitBytes;
  await app.register(multipart, { limits: { fileSize: limit, files: 1, fields: 2, parts: 3, fieldSize: 1024 } });
  const writes = { config: perMinute(config.http.rateLimit.writesPerMinute) };

  app.put(
    '/users/:username/avatar',
    {
      config: { ...writes.config, visibility: 'self' },
      schema: {
        operationId: 'setAvatar',
        tags: ['users'],
        summary: 'Set your profile picture (multipart/form-data, a file field); the previous one is deleted',
        consumes: ['multipart/form-data'],
        security: BEARER,
        params: UserParams,
        body: AvatarUploadForm,
        response: {
          200: ImageView,
          ...errorsFor({
            400: ['FILE_MISSING', 'MALFORMED_MULTIPART', 'IMAGE_CORRUPT'],
            401: [],
            403: ['FORBIDDEN', 'ACCOUNT_DELETED'],
            404: ['USER_NOT_FOUND'],
            408: ['UPLOAD_TIMEOUT', 'UPLOAD_TOO_SLOW'],
            413: ['IMAGE_TOO_LARGE'],
            415: ['UNSUPPORTED_IMAGE', 'HEIC_UNSUPPORTED'],
            422: ['IMAGE_ASPECT_RATIO'],
            429: ['UPLOAD_IN_PROGRESS'],
            503: ['UPLOADS_BUSY', 'MEDIA_BUSY', 'STORAGE_FULL', 'STORAGE_READ_ONLY'],
          }),
        },
      },
      validatorCompiler: (route) => (route.httpPart === 'body' ? () => true : TypeBoxValidatorCompiler(route)),
    },
    async (request) => {
      const { username } = request.params;
      assertSelf(request, username, 'change this profile picture');
      const release = media.gate.acquire(username);
      let file: ReceivedFile | undefined;
      try {
        ({ file } = await readUploadForm(request, limit, config.media.uploadIdleTimeoutMs, config.media.tmpDir, minimumRate(config)));
        return imageView(await ingestAvatar(ctx, username, file.path, request.log), media.urlsFor(request), username, false);
      } finally {
        release();
        await file?.remove();
      }
    },
  );

  app.delete(
    '/users/:username/avatar',
    {
      config: { ...writes.config, visibility: 'self' },
      schema: {
        operationId: 'deleteAvatar',
        tags: ['users'],
        summary: 'Remove your profile picture (204 also when there was none)',
        security: BEARER,
        params: UserParams,
        response: { 204: Type.Null(), ...errorsFor({ 400: [], 401: [], 403: ['FORBIDDEN', 'ACCOUNT_DELETED'], 404: ['USER_NOT_FOUND'], 429: [], 503: [] }) },
      },
    },
    async (request, reply) => {
      const { username } = request.params;
      assertSelf(request, username, 'change this profile picture');
      const { previous } = await clearAvatar(db, username);
      await deleteImageFiles(blobs, previous).catch((e: unknown) => request.log.warn({ err: e }, 'avatar files not removed'));
      return reply.status(204).send(null);
    },
  );
};
