/** Both blob stores for tests: a temporary directory, or a fresh bucket on the run's S3 server. */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { inject } from 'vitest';
import { createLocalBlobStore, createS3BlobStore, type BlobStore } from '../../src/blobs/index.js';

export type StoreKind = 'local' | 's3';
export const STORE_KINDS: StoreKind[] = ['local', 's3'];

export interface TestStore {
  blobs: BlobStore;
  /** Every key in the store. */
  keys(): Promise<string[]>;
  dispose(): Promise<void>;
}

export function s3Client(): S3Client {
  return new S3Client({
    endpoint: inject('s3Endpoint'),
    forcePathStyle: true,
    region: 'us-east-1',
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
}

export async function createTestStore(kind: StoreKind): Promise<TestStore> {
  if (kind === 'local') {
    const dir = await mkdtemp(join(tmpdir(), 'qp-store-'));
    const blobs = createLocalBlobStore(dir);
    return {
      blobs,
      keys: () => listKeys(blobs),
      dispose: () => rm(dir, { recursive: true, force: true }),
    };
  }
  const client = s3Client();
  const bucket = `qp-${randomUUID().slice(0, 8)}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  const blobs = createS3BlobStore({ bucket, prefix: 'photos/', client });
  return {
    blobs,
    keys: () => listKeys(blobs),
    async dispose() {
      const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
      for (const o of listed.Contents ?? []) await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
      await client.send(new DeleteBucketCommand({ Bucket: bucket }));
      client.destroy();
    },
  };
}

async function listKeys(blobs: BlobStore): Promise<string[]> {
  const keys: string[] = [];
  for await (const blob of blobs.list('')) keys.push(blob.key);
  return keys.sort();
}
