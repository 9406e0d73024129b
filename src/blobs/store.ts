/**
 * Where image bytes live. The table stores keys (and, for the lab's readers, a URI as the
 * photo's `location`), so the store can change (disk for development, S3 in production)
 * without touching the data.
 */
import type { Readable } from 'node:stream';
import { DomainError } from '../errors.js';

export interface StoredBlob {
  body: Readable;
  contentType: string;
  size?: number | undefined;
}

export interface BlobInfo {
  key: string;
  size: number;
  lastModified: Date;
}

export interface PutOptions {
  cacheControl?: string;
}

interface CommonStore {
  /** Stores the bytes under `key` (a relative path of safe characters) and returns its URI. */
  put(key: string, bytes: Buffer, contentType: string, options?: PutOptions): Promise<string>;
  /** Stores a file's bytes (streamed, never held in memory) under `key`. */
  putFile(key: string, path: string, contentType: string): Promise<string>;
  /** The blob at a URI this store issued; undefined when it is missing or belongs elsewhere. */
  get(location: string): Promise<StoredBlob | undefined>;
  /** Removes the blob; a missing blob is not an error. */
  delete(location: string): Promise<void>;
  /** The URI of a key in this store, and back (undefined for URIs of other stores). */
  locationOf(key: string): string;
  keyOf(location: string): string | undefined;
  /** Every blob whose key starts with `prefix` (operator tools only: it lists the whole store). */
  list(prefix: string): AsyncIterable<BlobInfo>;
  /** Starts a multipart upload whose parts become the blob at `key`; returns the store's id for it. */
  startParts(key: string, contentType: string): Promise<string>;
  /** The parts received so far, by part number; undefined once the upload is completed or aborted. */
  listParts(key: string, partsId: string): Promise<PartInfo[] | undefined>;
  /** Joins these parts, in order, into the blob at `key` (the upload ends). */
  completeParts(key: string, partsId: string, parts: PartInfo[]): Promise<void>;
  /** Drops the upload and its parts; an upload already gone is not an error. */
  abortParts(key: string, partsId: string): Promise<void>;
}

/** One received part of a multipart upload. */
export interface PartInfo {
  partNumber: number;
  size: number;
  /** The store's tag of the part's bytes (S3 needs it to complete). */
  etag: string;
}

export interface LocalBlobStore extends CommonStore {
  kind: 'local';
  /** The directory under which keys are paths. */
  root: string;
  /** Stores a received part (a whole file: a part is never half-written); false when the upload is no longer open. */
  putPart(partsId: string, partNumber: number, path: string): Promise<boolean>;
  /** Removes multipart uploads whose newest part is older than `maxAgeSeconds`; returns how many. */
  sweepParts(maxAgeSeconds: number, now?: number): Promise<number>;
}

export interface PresignPutOptions {
  contentLength: number;
  contentType: string;
  expiresIn: number;
}

export interface S3BlobStore extends CommonStore {
  kind: 's3';
  /** A presigned GET; `signingDate` rounded down keeps URLs stable (cacheable) over a window. */
  presignGet(key: string, options: { expiresIn: number; signingDate: Date; cacheControl?: string }): Promise<string>;
  /** A presigned PUT that only accepts exactly this length and type. */
  presignPut(key: string, options: PresignPutOptions): Promise<string>;
  /** A presigned UploadPart that only accepts exactly `contentLength` bytes. */
  presignPart(key: string, partsId: string, partNumber: number, options: { contentLength: number; expiresIn: number }): Promise<string>;
}

export type BlobStore = LocalBlobStore | S3BlobStore;

/** Where the local store keeps the parts of multipart uploads (`parts/<partsId>/<n>`); never served. */
export const PARTS_PREFIX = 'parts/';

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

/** Content-addressed variants never change at their key. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * A full disk or a read-only store is the service's condition, not the client's fault: 503
 * with a code an operator can alert on, never a 500 with a stack trace per request.
 */
export function storageError(error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new DomainError('unavailable', 'STORAGE_FULL', 'The image store is full; retry later.', undefined, { cause: error });
  }
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new DomainError('unavailable', 'STORAGE_READ_ONLY', 'The image store is not writable; retry later.', undefined, { cause: error });
  }
  return error;
}
