/**
 * An s3rver of a test file's own, with the two multipart operations s3rver 3.7 lacks (it
 * answers them 405): ListParts and AbortMultipartUpload, served from s3rver's own upload
 * directory (`<bucket>/._S3rver_uploads/<UploadId>/<part>`, with `<part>.md5` written once a part
 * was wholly received, so a part cut off mid-body is not listed, as with S3). Every other
 * request, CreateMultipartUpload, presigned UploadPart and CompleteMultipartUpload included,
 * is s3rver's.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import { createS3BlobStore, type S3BlobStore } from '../../src/blobs/index.js';

export interface MultipartS3 {
  endpoint: string;
  client: S3Client;
  /** A fresh bucket and its store (prefix `photos/`, as in production). */
  store(): Promise<{ bucket: string; blobs: S3BlobStore }>;
  /** Upload ids s3rver still holds parts of, in a bucket. */
  openUploads(bucket: string): Promise<string[]>;
  close(): Promise<void>;
}

const xml = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${body}`;

export async function startMultipartS3(): Promise<MultipartS3> {
  const dir = await mkdtemp(join(tmpdir(), 'qp-s3mp-'));
  const s3rver = new S3rver({ silent: true, directory: dir });
  const handle = s3rver.callback();
  const uploadsDir = (bucket: string) => join(dir, bucket, '._S3rver_uploads');

  async function multipart(req: IncomingMessage, res: ServerResponse, bucket: string, key: string, uploadId: string): Promise<void> {
    const upload = join(uploadsDir(bucket), uploadId);
    const exists = await stat(upload).then(
      () => true,
      () => false,
    );
    if (!exists || !/^[0-9a-f]+$/.test(uploadId)) {
      res.writeHead(404, { 'content-type': 'application/xml' });
      res.end(xml(`<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message><UploadId>${uploadId}</UploadId></Error>`));
      return;
    }
    if (req.method === 'DELETE') {
      await rm(upload, { recursive: true, force: true });
      res.writeHead(204).end();
      return;
    }
    const names = await readdir(upload);
    const parts = await Promise.all(
      names
        .filter((n) => /^\d+$/.test(n) && names.includes(`${n}.md5`))
        .map(async (n) => ({ n: Number(n), size: (await stat(join(upload, n))).size, md5: (await readFile(join(upload, `${n}.md5`), 'utf8')).trim() })),
    );
    const body = parts
      .sort((a, b) => a.n - b.n)
      .map((p) => `<Part><PartNumber>${p.n}</PartNumber><ETag>"${p.md5}"</ETag><Size>${p.size}</Size><LastModified>${new Date().toISOString()}</LastModified></Part>`)
      .join('');
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(xml(`<ListPartsResult><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>${uploadId}</UploadId><IsTruncated>false</IsTruncated>${body}</ListPartsResult>`));
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://s3');
    const uploadId = url.searchParams.get('uploadId');
    const [, bucket = '', ...rest] = url.pathname.split('/');
    const listOrAbort = uploadId !== null && rest.length > 0 && (req.method === 'DELETE' || (req.method === 'GET' && !url.searchParams.has('partNumber')));
    if (!listOrAbort) return handle(req, res);
    multipart(req, res, bucket, decodeURIComponent(rest.join('/')), uploadId).catch((error: unknown) => {
      res.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  return {
    endpoint,
    client,
    async store() {
      const bucket = `qp-${randomUUID().slice(0, 8)}`;
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
      return { bucket, blobs: createS3BlobStore({ bucket, prefix: 'photos/', client }) };
    },
    openUploads: (bucket) => readdir(uploadsDir(bucket)).catch(() => []),
    async close() {
      client.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
