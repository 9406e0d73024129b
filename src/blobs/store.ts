/**
 * Where photo bytes live. The table stores only a URI (the photo's `location`), so the
 * store can change (disk for development, S3 in production) without touching the data.
 */
import type { Readable } from 'node:stream';

export interface StoredBlob {
  body: Readable;
  contentType: string;
  size?: number | undefined;
}

export interface BlobStore {
  /** Stores the bytes under `key` (a relative path of safe characters) and returns its URI. */
  put(key: string, bytes: Buffer, contentType: string): Promise<string>;
  /** The blob at a URI this store issued; undefined when it is missing or belongs elsewhere. */
  get(location: string): Promise<StoredBlob | undefined>;
  /** Removes the blob; a missing blob is not an error. */
  delete(location: string): Promise<void>;
}

/** Keys are built by the service, never taken from a client; this guards against mistakes. */
export const SAFE_KEY = /^[a-z0-9_][a-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

export function assertSafeKey(key: string): void {
  if (!SAFE_KEY.test(key) || key.includes('..')) throw new Error(`Unsafe blob key: ${key}`);
}

const EXTENSION_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  gif: 'image/gif',
  heic: 'image/heic',
  heif: 'image/heif',
  avif: 'image/avif',
};

export function contentTypeOf(path: string): string {
  const ext = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  return EXTENSION_TYPES[ext] ?? 'application/octet-stream';
}
