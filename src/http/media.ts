/** The media services routes share: signed URLs, the processing queue, the upload gate. */
import { createHmac } from 'node:crypto';
import { createMediaUrls, type MediaUrls } from '../blobs/index.js';
import type { Config } from '../config.js';
import { createWorkQueue, type WorkQueue } from '../media/index.js';
import type { Quota } from '../patterns/index.js';
import { createUploadGate, type UploadGate } from './uploads.js';

export interface MediaContext {
  urls: MediaUrls;
  queue: WorkQueue;
  gate: UploadGate;
  quota: Quota;
  limits: { maxPixels: number };
}

export function createMediaContext(config: Config, jwtSecret: string): MediaContext {
  const { media } = config;
  // Without its own key the URL key is derived from the JWT key, never equal to it.
  const secret = media.urlSecret ?? createHmac('sha256', jwtSecret).update('media urls').digest('base64url');
  return {
    urls: createMediaUrls({ secret, ttlSeconds: media.urlTtlSeconds, baseUrl: media.publicUrl }),
    queue: createWorkQueue(media.concurrency, media.queueLength),
    gate: createUploadGate(media.uploadsPerUser, media.uploadsTotal, media.uploadsReserved),
    quota: { bytes: media.quotaBytes, uploadsPerHour: media.uploadsPerHour, openSlots: media.uploadSlotsPerUser },
    limits: { maxPixels: media.maxPixels },
  };
}
