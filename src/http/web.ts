/**
 * The web client, served from its build (`npm run build:web`) beside the API. Hashed assets
 * are immutable; the page, the manifest and the service worker are revalidated on every load,
 * so a deploy reaches every browser at once. Any other GET that is no API path answers the
 * app's page, whose router shows the screen (deep links and reloads work).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { httpErrors } from './errors.js';

/** Paths the API owns (media under /v1, and anything starting /docs): an unknown one is a JSON 404, never the app's page. */
const API_PATHS = /^\/((v1|openapi\.json|health|ready|metrics)(\/|$)|docs)/;

export function webDirectory(dir: string | undefined): string | undefined {
  if (!dir) return undefined;
  const root = resolve(dir);
  return existsSync(resolve(root, 'index.html')) ? root : undefined;
}

export async function webRoutes(app: FastifyInstance, root: string): Promise<void> {
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    // Routes for the files that exist now; everything else falls to the page below.
    wildcard: false,
    index: false,
    cacheControl: false,
    setHeaders(reply, path) {
      const immutable = path.includes('/assets/');
      void reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  app.get('/*', { schema: { hide: true } }, (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    if (API_PATHS.test(path)) throw httpErrors.routeNotFound(request.method, path);
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
}
