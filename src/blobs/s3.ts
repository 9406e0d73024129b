/** Blob store on Amazon S3 (or any S3-compatible endpoint), used when S3_BUCKET is configured. */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  ListPartsCommand,
  NoSuchUpload,
  UploadPartCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { assertSafeKey, type BlobInfo, type PartInfo, type S3BlobStore } from './store.js';

export interface S3StoreOptions {
  bucket: string;
  prefix: string;
  endpoint?: string | undefined;
  region?: string | undefined;
  client?: S3Client;
}

export function createS3BlobStore(options: S3StoreOptions): S3BlobStore {
  const client =
    options.client ??
    new S3Client({
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
      ...(options.region ? { region: options.region } : {}),
    });
  const { bucket, prefix } = options;
  const base = `s3://${bucket}/`;
  const objectKey = (key: string) => {
    assertSafeKey(key);
    return prefix + key;
  };
  const keyOfObject = (location: string): string | undefined => {
    if (!location.startsWith(base)) return undefined;
    const key = location.slice(base.length);
    return key.startsWith(prefix) ? key : undefined;
  };

  const noSuchUpload = (error: unknown) => error instanceof NoSuchUpload || (error as { name?: string }).name === 'NoSuchUpload';

  return {
    kind: 's3',
    async put(key, bytes, contentType, put = {}) {
      const Key = objectKey(key);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: bytes, ContentType: contentType, CacheControl: put.cacheControl }));
      return base + Key;
    },
    async putFile(key, path, contentType) {
      const Key = objectKey(key);
      const { size } = await stat(path);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key, Body: createReadStream(path), ContentLength: size, ContentType: contentType }));
      return base + Key;
    },
    async get(location) {
      const key = keyOfObject(location);
      if (!key) return undefined;
      try {
        const result = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        if (!result.Body) return undefined;
        return { body: result.Body as Readable, contentType: result.ContentType ?? 'application/octet-stream', size: result.ContentLength };
      } catch (error) {
        if (error instanceof NoSuchKey || (error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw error;
      }
    },
    async delete(location) {
      const key = keyOfObject(location);
      if (key) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    locationOf: (key) => base + objectKey(key),
    keyOf(location) {
      const key = keyOfObject(location);
      return key === undefined ? undefined : key.slice(prefix.length);
    },
    list(keyPrefix) {
      return (async function* (): AsyncGenerator<BlobInfo> {
        let token: string | undefined;
        do {
          const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix + keyPrefix, ContinuationToken: token }));
          for (const o of page.Contents ?? []) {
            if (o.Key) yield { key: o.Key.slice(prefix.length), size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) };
          }
          token = page.IsTruncated ? page.NextContinuationToken : undefined;
        } while (token);
      })();
    },
    async startParts(key, contentType) {
      const started = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: objectKey(key), ContentType: contentType }));
      if (!started.UploadId) throw new Error('CreateMultipartUpload answered no UploadId');
      return started.UploadId;
    },
    async listParts(key, partsId) {
      const parts: PartInfo[] = [];
      let marker: string | undefined;
      try {
        do {
          const page = await client.send(new ListPartsCommand({ Bucket: bucket, Key: objectKey(key), UploadId: partsId, PartNumberMarker: marker }));
          for (const p of page.Parts ?? []) if (p.PartNumber && p.ETag) parts.push({ partNumber: p.PartNumber, size: p.Size ?? 0, etag: p.ETag });
          marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
        } while (marker);
      } catch (error) {
        if (noSuchUpload(error)) return undefined;
        throw error;
      }
      return parts.sort((a, b) => a.partNumber - b.partNumber);
    },
    async completeParts(key, partsId, parts) {
      await client.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: objectKey(key),
          UploadId: partsId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
    },
    async abortParts(key, partsId) {
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: objectKey(key), UploadId: partsId }));
      } catch (error) {
        if (!noSuchUpload(error)) throw error;
      }
    },
    presignPart: (key, partsId, partNumber, part) =>
      getSignedUrl(client, new UploadPartCommand({ Bucket: bucket, Key: objectKey(key), UploadId: partsId, PartNumber: partNumber, ContentLength: part.contentLength }), {
        expiresIn: part.expiresIn,
        // S3 refuses a part of any other size.
        signableHeaders: new Set(['content-length']),
      }),
    presignGet: (key, get) =>
      getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: objectKey(key), ResponseCacheControl: get.cacheControl }), {
        expiresIn: get.expiresIn,
        signingDate: get.signingDate,
      }),
    presignPut: (key, put) =>
      getSignedUrl(client, new PutObjectCommand({ Bucket: bucket, Key: objectKey(key), ContentLength: put.contentLength, ContentType: put.contentType }), {
        expiresIn: put.expiresIn,
        // Sign the length and type: S3 refuses a body of any other size.
        signableHeaders: new Set(['content-length', 'content-type']),
      }),
  };
}
