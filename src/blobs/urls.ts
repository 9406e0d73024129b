/**
 * Signed, expiring image URLs that work in a plain `<img>` tag (no Authorization header):
 * `<origin>/v1/media/<key>?o=<owner>&v=<viewer>[&c=1]&expires=<epoch s>&sig=<HMAC-SHA256>`.
 * The API serves them from the local store, or answers them with a redirect to an S3
 * presigned GET.
 *
 * Stable: expiries are rounded up to a window (the TTL, at most a day; a day-long window
 * starts at 00:00 UTC), so a viewer gets the same URL for an image all window long and an
 * image cache keyed by URL hits; a URL is valid for one to two windows.
 *
 * Revocable at once: the URL names the image's owner, the viewer it was issued to and whether
 * it shows content (a photo) or the profile picture, under the MAC. The media route checks
 * that grant against the table on every fetch (src/http/routes/media.ts), so a block, going
 * private or a deletion does not wait for the expiry.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const MEDIA_PATH = '/v1/media/';
export const UPLOAD_PATH = '/v1/uploads/';

/** The longest window: a day, aligned to UTC midnight. */
export const MAX_URL_WINDOW_SECONDS = 86_400;

/** Who may fetch an image through a URL: checked again at fetch time. */
export interface MediaGrant {
  owner: string;
  viewer: string;
  /** A photo (the owner's content: hidden from non-followers of a private account) rather than a profile picture. */
  content: boolean;
}

export interface MediaUrlQuery {
  o: string;
  v: string;
  c?: '1';
  expires: number;
  sig: string;
}

export interface MediaUrls {
  /** The signed URL of a blob key for this signer's viewer, and when it expires (epoch seconds). */
  sign(key: string, owner: string, content: boolean): { url: string; expires: number };
  /** When URLs signed now expire (epoch seconds). */
  expiresAt(): number;
  /** The same key and clock, with absolute URLs under `base` (an origin) and issued to `viewer`. */
  forViewer(base: string, viewer: string | undefined): MediaUrls;
  /** The grant when `query` is ours for this key and its expiry has not passed. */
  verify(key: string, query: MediaUrlQuery): MediaGrant | undefined;
  readonly ttlSeconds: number;
  /** Current time, epoch seconds (injectable for tests). */
  now(): number;
  /** A direct upload's PUT URL (local store), valid until the slot expires; a different MAC domain from image URLs. */
  signUpload(uploadId: string, expires: number): string;
  verifyUpload(uploadId: string, expires: number, sig: string, now?: number): boolean;
}

export interface MediaUrlOptions {
  secret: string;
  ttlSeconds: number;
  /** Prefixed to every URL (e.g. https://api.example.com); empty gives URLs relative to the API. */
  baseUrl: string;
  /** Epoch seconds; the system clock by default. */
  clock?: () => number;
}

/** Signed paths kept per signer family (a service's signer and every forViewer of it). */
export const SIGNED_CACHE_ENTRIES = 20_000;

/**
 * A bounded LRU of signed paths: within one expiry window a (key, owner, viewer, content)
 * always signs to the same path, so a feed page's thirty URLs are signed once per window,
 * not on every read. The key includes the expiry, so a new window misses and signs anew.
 */
export function signedCache(limit: number) {
  // Each entry remembers when it was last put at the recent end (`stamp`, counted in insertions).
  const entries = new Map<string, { path: string; stamp: number }>();
  let inserted = 0;
  // A hit moves its entry to the recent end only once it is in the older half: a feed page's
  // thirty hits would otherwise each delete and re-insert (most of a page's signing cost).
  const stale = Math.max(1, Math.floor(limit / 2));
  const put = (id: string, path: string) => {
    entries.set(id, { path, stamp: ++inserted });
  };
  return {
    get size() {
      return entries.size;
    },
    get(id: string): string | undefined {
      const found = entries.get(id);
      if (found !== undefined && inserted - found.stamp >= stale) {
        entries.delete(id);
        put(id, found.path);
      }
      return found?.path;
    },
    set(id: string, path: string): void {
      if (entries.size >= limit) entries.delete(entries.keys().next().value as string);
      put(id, path);
    },
  };
}

export function createMediaUrls(options: MediaUrlOptions, viewer?: string, cache = signedCache(SIGNED_CACHE_ENTRIES)): MediaUrls {
  const { secret, ttlSeconds } = options;
  const clock = options.clock ?? (() => Date.now() / 1000);
  const base = options.baseUrl.replace(/\/+$/, '');
  const window = Math.max(1, Math.min(MAX_URL_WINDOW_SECONDS, ttlSeconds));
  const hmac = (text: string) => createHmac('sha256', secret).update(text).digest('base64url');
  const mac = (key: string, expires: number, grant: MediaGrant) => hmac(`GET\n${key}\n${expires}\n${grant.owner}\n${grant.viewer}\n${grant.content ? 1 : 0}`);
  const check = (expected: string, sig: string) => {
    const a = Buffer.from(expected);
    const b = Buffer.from(sig);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  const expiresAt = () => Math.ceil((clock() + ttlSeconds) / window) * window;
  return {
    ttlSeconds,
    now: clock,
    expiresAt,
    sign(key, owner, content) {
      const expires = expiresAt();
      // Without a viewer (a profile shown to its own owner outside a session, as at sign-up) the owner is the viewer.
      const grant = { owner, viewer: viewer ?? owner, content };
      const id = `${key}\n${expires}\n${grant.owner}\n${grant.viewer}\n${content ? 1 : 0}`;
      let path = cache.get(id);
      if (path === undefined) {
        const params = new URLSearchParams({ o: grant.owner, v: grant.viewer, ...(content ? { c: '1' } : {}), expires: String(expires), sig: mac(key, expires, grant) });
        path = `${MEDIA_PATH}${key}?${params.toString()}`;
        cache.set(id, path);
      }
      return { url: `${base}${path}`, expires };
    },
    forViewer: (origin, who) => createMediaUrls({ ...options, baseUrl: options.baseUrl || origin }, who, cache),
    verify(key, query) {
      if (!Number.isSafeInteger(query.expires) || query.expires < clock()) return undefined;
      const grant = { owner: query.o, viewer: query.v, content: query.c === '1' };
      return check(mac(key, query.expires, grant), query.sig) ? grant : undefined;
    },
    signUpload: (uploadId, expires) => `${base}${UPLOAD_PATH}${uploadId}?expires=${expires}&sig=${hmac(`PUT\n${uploadId}\n${expires}`)}`,
    verifyUpload(uploadId, expires, sig, now = clock()) {
      return Number.isSafeInteger(expires) && expires >= now && check(hmac(`PUT\n${uploadId}\n${expires}`), sig);
    },
  };
}
