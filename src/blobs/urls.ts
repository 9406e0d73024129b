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
}

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
  const mac = (key: string, expires: number) => createHmac('sha256', secret).update(`${key}\n${expires}`).digest('base64url');
  return {
    ttlSeconds,
    sign(key, now = Date.now() / 1000) {
      const expires = Math.ceil((now + ttlSeconds) / window) * window;
      return { url: `${base}${MEDIA_PATH}${key}?expires=${expires}&sig=${mac(key, expires)}`, expires };
    },
    verify(key, expires, sig, now = Date.now() / 1000) {
      if (!Number.isSafeInteger(expires) || expires < now) return false;
      const expected = Buffer.from(mac(key, expires));
      const given = Buffer.from(sig);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}
