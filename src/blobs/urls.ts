/**
 * Signed, expiring image URLs that work in a plain `<img>` tag (no Authorization header):
 * `/v1/media/<key>?expires=<epoch s>&sig=<HMAC-SHA256 over key and expiry>`. The API serves
 * them from the local store, or answers them with a redirect to an S3 presigned GET.
 *
 * Expiries are rounded up to a window, so one image keeps the same URL for a while and
 * clients (and a CDN in front of the API) can cache it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MEDIA_PATH = '/v1/media/';

export interface MediaUrls {
  /** The signed URL of a blob key, and when it expires (epoch seconds). */
  sign(key: string, now?: number): { url: string; expires: number };
  /** True when `sig` is ours for this key and expiry, and the expiry has not passed. */
  verify(key: string, expires: number, sig: string, now?: number): boolean;
  readonly ttlSeconds: number;
  /** A direct upload's PUT URL (local store), valid until the slot expires; a different MAC domain from image URLs. */
  signUpload(uploadId: string, expires: number): string;
  verifyUpload(uploadId: string, expires: number, sig: string, now?: number): boolean;
}

export const UPLOAD_PATH = '/v1/uploads/';

export interface MediaUrlOptions {
  secret: string;
  ttlSeconds: number;
  /** Prefixed to every URL (e.g. https://api.example.com); empty gives URLs relative to the API. */
  baseUrl: string;
}

export function createMediaUrls(options: MediaUrlOptions): MediaUrls {
  const { secret, ttlSeconds } = options;
  const base = options.baseUrl.replace(/\/+$/, '');
  const window = Math.max(1, Math.min(900, Math.floor(ttlSeconds / 4)));
  const mac = (key: string, expires: number, verb = 'GET') => createHmac('sha256', secret).update(`${verb}\n${key}\n${expires}`).digest('base64url');
  const check = (expected: string, sig: string) => {
    const a = Buffer.from(expected);
    const b = Buffer.from(sig);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  return {
    ttlSeconds,
    sign(key, now = Date.now() / 1000) {
      const expires = Math.ceil((now + ttlSeconds) / window) * window;
      return { url: `${base}${MEDIA_PATH}${key}?expires=${expires}&sig=${mac(key, expires)}`, expires };
    },
    verify(key, expires, sig, now = Date.now() / 1000) {
      return Number.isSafeInteger(expires) && expires >= now && check(mac(key, expires), sig);
    },
    signUpload: (uploadId, expires) => `${base}${UPLOAD_PATH}${uploadId}?expires=${expires}&sig=${mac(uploadId, expires, 'PUT')}`,
    verifyUpload(uploadId, expires, sig, now = Date.now() / 1000) {
      return Number.isSafeInteger(expires) && expires >= now && check(mac(uploadId, expires, 'PUT'), sig);
    },
  };
}
