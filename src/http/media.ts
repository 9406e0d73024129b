/** The media services routes share: signed URLs, the processing queue, the upload gate. */
import { createHmac } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { createMediaUrls, type MediaUrls } from '../blobs/index.js';
import type { Config } from '../config/index.js';
import { createImageProcessor, createWorkQueue, type ImageProcessor, type WorkQueue } from '../media/index.js';
import type { Quota } from '../patterns/index.js';
import { createUploadGate, type UploadGate } from './uploads.js';

export interface MediaContext {
  /** The service's signer: PUBLIC_URL's base (or relative URLs), no viewer. */
  urls: MediaUrls;
  /** The signer for views answering this request: absolute URLs, issued to the signed-in user. */
  urlsFor(request: FastifyRequest): MediaUrls;
  queue: WorkQueue;
  /** Decodes and encodes images apart from the API's reads (src/media/isolated.ts). */
  images: ImageProcessor;
  gate: UploadGate;
  quota: Quota;
  limits: { maxPixels: number };
}

/** A Host (or, behind TRUST_PROXY, X-Forwarded-Host) value fit for a URL: a name or address and an optional port. */
const HOST = /^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/;

/**
 * The origin the client called: Fastify reads X-Forwarded-Proto and X-Forwarded-Host only
 * from proxies TRUST_PROXY names, and the Host header and the socket otherwise. A malformed
 * host gives relative URLs rather than a URL built from it.
 */
export function requestOrigin(request: FastifyRequest): string {
  const host = request.host;
  const protocol = request.protocol === 'https' ? 'https' : 'http';
  return HOST.test(host) ? `${protocol}://${host}` : '';
}

export function createMediaContext(config: Config, jwtSecret: string, clock?: () => number): MediaContext {
  const { media } = config;
  // Without its own key the URL key is derived from the JWT key, never equal to it.
  const secret = media.urlSecret ?? createHmac('sha256', jwtSecret).update('media urls').digest('base64url');
  const signers = new WeakMap<FastifyRequest, MediaUrls>();
  const urls = createMediaUrls({ secret, ttlSeconds: media.urlTtlSeconds, baseUrl: media.publicUrl, ...(clock ? { clock } : {}) });
  return {
    urls,
    // One signer per request, however many views it builds (a feed page builds twenty).
    urlsFor: (request) => {
      let signer = signers.get(request);
      if (!signer) {
        signer = urls.forViewer(requestOrigin(request), (request as { username?: string }).username || undefined);
        signers.set(request, signer);
      }
      return signer;
    },
    queue: createWorkQueue(media.concurrency, media.queueLength),
    images: createImageProcessor({ mode: media.worker, threads: media.threads, nice: media.nice, scheduling: media.scheduling, timeoutMs: media.timeoutMs }),
    gate: createUploadGate(media.uploadsPerUser, media.uploadsTotal, media.uploadsReserved),
    quota: { bytes: media.quotaBytes, uploadsPerHour: media.uploadsPerHour, openSlots: media.uploadSlotsPerUser },
    limits: { maxPixels: media.maxPixels },
  };
}
