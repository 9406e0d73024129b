/** Blob store on Amazon S3 (or any S3-compatible endpoint), used when S3_BUCKET is configured. */
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { assertSafeKey, type BlobStore } from './store.js';

export interface S3StoreOptions {
  bucket: string;
  prefix: string;
  endpoint?: string | undefined;
  region?: string | undefined;
  client?: S3Client;
}

export function createS3BlobStore(options: S3StoreOptions): BlobStore {
  const client =
    options.client ??
    new S3Client({
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.region ? { region: options.region } : {}),
    });
  const base = `s3://${options.bucket}/`;
  const keyOf = (location: string): string | undefined => {
    if (!location.startsWith(base)) return undefined;
    const key = location.slice(base.length);
    return key.startsWith(options.prefix) ? key : undefined;
  };

  return {
    async put(key, bytes, contentType) {
      assertSafeKey(key);
      const objectKey = options.prefix + key;
      await client.send(new PutObjectCommand({ Bucket: options.bucket, Key: objectKey, Body: bytes, ContentType: contentType }));
      return base + objectKey;
    },
    async get(location) {
      const key = keyOf(location);
      if (!key) return undefined;
      try {
        const result = await client.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }));
        if (!result.Body) return undefined;
        return { body: result.Body as Readable, contentType: result.ContentType ?? 'application/octet-stream', size: result.ContentLength };
      } catch (error) {
        if (error instanceof NoSuchKey) return undefined;
        throw error;
      }
    },
    async delete(location) {
      const key = keyOf(location);
      if (key) await client.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: key }));
    },
  };
}
