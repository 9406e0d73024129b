/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call */
/**
 * Resumable direct upload against both blob stores (a temporary directory; s3rver with S3
 * multipart and presigned parts, support/s3-multipart.ts):
 *  - a part cut off halfway (the socket destroyed mid-body) is not stored; the client asks
 *    which parts arrived, sends the missing one again, and completes into one photo made of
 *    exactly the file's bytes; a second complete answers the same photo;
 *  - parts, sizes, totals and types are validated with clear codes;
 *  - the declared size is reserved at start and given back on abort and on expiry, whose
 *    sweep removes the parts (local store; S3's lifecycle rule does it there);
 *  - deleting the account aborts its open uploads;
 *  - each operation's DynamoDB and S3 requests are counted.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { crc32 } from 'node:zlib';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import type { S3Client } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore, PARTS_PREFIX, sweepStaleParts, type BlobStore } from '../../src/blobs/index.js';
import { auditBlobs } from '../../src/admin/doctor-blobs.js';
import { loadConfig } from '../../src/config/index.js';
import { attachMetrics, requestCounts } from '../../src/engine/metrics.js';
import { keys } from '../../src/schema/keys.js';
import { startMultipartS3, type MultipartS3 } from '../support/s3-multipart.js';
import { waitFor } from '../support/wait.js';
import { profile, signUp, startApi, type Api, type Session } from './support.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';

const PART = 5 * 1024 * 1024;
const MAX = 12 * 1024 * 1024;
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * A PNG past one part (two parts of 5 MiB): a small noisy picture followed by a private
 * ancillary chunk of random bytes, which decoders skip. The bytes (random, so a swapped or
 * short part fails its checksums) are what the upload proves; decoding and resizing millions of
 * pixels proved nothing more and cost seconds of image work on every run.
 */
const LARGE = { width: 160, height: 120 };
async function largePng(): Promise<Buffer> {
  const pixels = await sharp(randomBytes(LARGE.width * LARGE.height * 3), { raw: { ...LARGE, channels: 3 } }).png({ compressionLevel: 0 }).toBuffer();
  const data = randomBytes(PART + 512 * 1024);
  const type = Buffer.from('prVt', 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])));
  // Before IEND (the last 12 bytes): length, type, data, CRC.
  return Buffer.concat([pixels.subarray(0, pixels.length - 12), length, type, data, crc, pixels.subarray(pixels.length - 12)]);
}

/** undici sets Content-Length itself and refuses a hand-set one. */
const putHeaders = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'));

/** Sends a PUT's headers and the first `sent` bytes of its body, then drops the connection. */
async function dropMidBody(url: string, body: Buffer, sent: number): Promise<void> {
  const target = new URL(url);
  const socket = connect(Number(target.port), target.hostname);
  await once(socket, 'connect');
  socket.write(`PUT ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`);
  await new Promise<void>((resolve, reject) => socket.write(body.subarray(0, sent), (error) => (error ? reject(error) : resolve())));
  socket.destroy();
}

interface Store {
  blobs: BlobStore;
  /** Multipart uploads the store still holds parts of. */
  openParts(): Promise<string[]>;
  /** S3 requests by command (S3 store only). */
  s3?: S3Client;
  dispose(): Promise<void>;
}

let s3: MultipartS3 | undefined;
async function createStore(kind: 'local' | 's3'): Promise<Store> {
  if (kind === 'local') {
    const dir = await mkdtemp(join(tmpdir(), 'qp-resumable-'));
    const blobs = createLocalBlobStore(dir);
    return { blobs, openParts: () => readdir(join(dir, PARTS_PREFIX)).catch(() => []), dispose: () => rm(dir, { recursive: true, force: true }) };
  }
  s3 ??= await startMultipartS3();
  const { bucket, blobs } = await s3.store();
  const server = s3;
  return { blobs, openParts: () => server.openUploads(bucket), s3: server.client, dispose: () => Promise.resolve() };
}

/** Counts the S3 commands a client sends, by name. */
function countS3(client: S3Client): { reset(): void; counts(): Record<string, number> } {
  let seen: Record<string, number> = {};
  client.middlewareStack.add(
    (next, context) => (args) => {
      const name = (context.commandName ?? '?').replace(/Command$/, '');
      seen[name] = (seen[name] ?? 0) + 1;
      return next(args);
    },
    // Sent requests only: a presigned URL is signed without reaching this step.
    { step: 'deserialize', name: `s3Counter${Math.random()}` },
  );
  return {
    reset: () => (seen = {}),
    counts: () => ({ ...seen }),
  };
}

afterAll(async () => {
  await s3?.close();
});

describe.each(['local', 's3'] as const)('resumable upload with the %s store', (kind) => {
  let api: Api;
  let store: Store;
  let ann: Session;
  /** sha256 of each raw file joined from parts, as the store holds it right after joining. */
  const joined: string[] = [];
  const absolute = (url: string) => (url.startsWith('/') ? api.url + url : url);
  const start = (contentLength: number, contentType = 'image/png', who: Session = ann) =>
    api.call('POST', `/v1/users/${who.username}/resumable-uploads`, { token: who.accessToken, json: { contentLength, contentType } });
  const parts = (uploadId: string, who: Session = ann) => api.call('GET', `/v1/users/${who.username}/uploads/${uploadId}/parts`, { token: who.accessToken });
  const complete = (uploadId: string) => api.call('POST', `/v1/users/ann/uploads/${uploadId}/complete`, { token: ann.accessToken, json: {} });
  const putPart = (target: { url: string; headers: Record<string, string> }, bytes: Buffer) =>
    fetch(absolute(target.url), { method: 'PUT', headers: { ...putHeaders(target.headers), 'content-type': 'application/octet-stream' }, body: new Uint8Array(bytes) });
  const slice = (file: Buffer, part: { partNumber: number; size: number }) => file.subarray((part.partNumber - 1) * PART, (part.partNumber - 1) * PART + part.size);

  async function usage(username = 'ann'): Promise<{ bytes: number; open: number }> {
    const { Item } = await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.storageUse(username), ConsistentRead: true }));
    return { bytes: typeof Item?.bytes === 'number' ? Item.bytes : 0, open: Item?.openSlots instanceof Set ? Item.openSlots.size : 0 };
  }

  beforeAll(async () => {
    store = await createStore(kind);
    const real = store.blobs;
    const blobs = {
      ...real,
      async completeParts(key: string, partsId: string, list: Parameters<BlobStore['completeParts']>[2]) {
        await real.completeParts(key, partsId, list);
        const raw = await real.get(real.locationOf(key));
        if (raw) joined.push(sha(await buffer(raw.body)));
      },
    };
    api = await startApi({ UPLOAD_PART_BYTES: String(PART), UPLOAD_RESUMABLE_MAX_BYTES: String(MAX), UPLOAD_IDLE_TIMEOUT_MS: '2000' }, { blobs });
    ann = await signUp(api, 'ann');
  });
  afterAll(async () => {
    await api.close();
    await store.dispose();
  });

  it('resumes after a part cut off halfway, from the parts the service reports, into one photo of the right bytes', async () => {
    const file = await largePng();
    expect(file.length).toBeGreaterThan(PART);
    const started = await start(file.length);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const upload = started.body;
    expect(upload).toMatchObject({ contentLength: file.length, partSize: PART, partCount: 2, received: [] });
    expect(upload.missing.map((p: { partNumber: number; size: number }) => [p.partNumber, p.size])).toEqual([
      [1, PART],
      [2, file.length - PART],
    ]);
    // Reserved at start, before any byte.
    expect(await usage()).toEqual({ bytes: file.length, open: 1 });

    // Part 1 dropped halfway; part 2 whole.
    const [first, second] = upload.missing;
    await dropMidBody(absolute(first.url), slice(file, first), PART / 2);
    expect((await putPart(second, slice(file, second))).ok).toBe(true);

    const resumed = await parts(upload.uploadId);
    expect(resumed.status).toBe(200);
    expect(resumed.body.received).toEqual([{ partNumber: 2, size: file.length - PART }]);
    expect(resumed.body.missing.map((p: { partNumber: number }) => p.partNumber)).toEqual([1]);
    // Completing now names what is missing.
    const early = await complete(upload.uploadId);
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('UPLOAD_PARTS_MISSING');

    expect((await putPart(resumed.body.missing[0], slice(file, first))).ok).toBe(true);
    const all = await parts(upload.uploadId);
    expect(all.body.missing).toEqual([]);
    expect(all.body.received.map((p: { partNumber: number }) => p.partNumber)).toEqual([1, 2]);

    const done = await complete(upload.uploadId);
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(joined).toEqual([sha(file)]);
    expect(done.body).toMatchObject(LARGE);
    const again = await complete(upload.uploadId);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(done.body.id);
    const photos = await api.call('GET', '/v1/users/ann/photos', { token: ann.accessToken });
    expect(photos.body.items.map((p: { id: string }) => p.id)).toEqual([done.body.id]);
    // The reservation settled to what is stored; no parts and no raw file left.
    const use = await usage();
    expect(use.open).toBe(0);
    expect(use.bytes).toBeGreaterThan(0);
    expect(use.bytes).toBeLessThan(file.length);
    expect(await store.openParts()).toEqual([]);
    const left: string[] = [];
    for await (const blob of store.blobs.list('uploads/')) left.push(blob.key);
    expect(left).toEqual([]);
  });

  it('validates the size, the type, each part and completion', async () => {
    const tooLarge = await start(MAX + 1);
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await start(1000, 'image/bmp')).status).toBe(400);
    expect((await start(0)).status).toBe(400);

    const started = await start(1000);
    const [only] = started.body.missing;
    expect(only).toMatchObject({ partNumber: 1, size: 1000 });
    const short = await putPart(only, randomBytes(999));
    if (kind === 'local') {
      // A part of another size is refused before it is stored (S3 refuses it for the signed length).
      expect(short.status).toBe(400);
      expect(((await short.json()) as { error: { code: string } }).error.code).toBe('UPLOAD_LENGTH_MISMATCH');
      const tampered = await putPart({ ...only, url: only.url.replace(/sig=[^&]+/, 'sig=forged') }, randomBytes(1000));
      expect(tampered.status).toBe(403);
      expect(((await tampered.json()) as { error: { code: string } }).error.code).toBe('UPLOAD_URL_INVALID');
      const zero = await putPart({ ...only, url: only.url.replace('/parts/1?', '/parts/0?') }, randomBytes(1000));
      expect(zero.status).toBe(400);
    }
    // A part of the wrong size is never counted as received, and completion refuses it.
    expect((await parts(started.body.uploadId)).body.received).toEqual([]);
    const refused = await complete(started.body.uploadId);
    if (kind === 'local') expect([refused.status, refused.body.error.code]).toEqual([409, 'UPLOAD_PARTS_MISSING']);
    // s3rver stores a part whatever its signed length (S3 refuses it): the service still checks.
    else expect([refused.status, refused.body.error.code]).toEqual([400, 'UPLOAD_LENGTH_MISMATCH']);
    // Someone else's upload is not found.
    const bob = await signUp(api, `bob${kind}`);
    expect((await api.call('GET', `/v1/users/${bob.username}/uploads/${started.body.uploadId}/parts`, { token: bob.accessToken })).status).toBe(404);
    await api.call('DELETE', `/v1/users/ann/uploads/${started.body.uploadId}`, { token: ann.accessToken });
  });

  it('gives the reservation back and removes the parts on abort', async () => {
    const before = await usage();
    const started = await start(3000);
    expect(await usage()).toEqual({ bytes: before.bytes + 3000, open: before.open + 1 });
    expect((await putPart(started.body.missing[0], randomBytes(3000))).ok).toBe(true);
    expect((await parts(started.body.uploadId)).body.received).toEqual([{ partNumber: 1, size: 3000 }]);
    // The doctor counts a live upload's parts as referenced, however old: no orphan to remove.
    const audit = await auditBlobs(api.db, store.blobs, { graceSeconds: 0, now: Date.now() + 60_000 });
    expect(audit.problems.filter((p) => p.type === 'orphan-file')).toEqual([]);
    const aborted = await api.call('DELETE', `/v1/users/ann/uploads/${started.body.uploadId}`, { token: ann.accessToken });
    expect(aborted.status).toBe(204);
    expect(await usage()).toEqual(before);
    expect(await store.openParts()).toEqual([]);
    const gone = await parts(started.body.uploadId);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('UPLOAD_NOT_FOUND');
    expect((await api.call('DELETE', `/v1/users/ann/uploads/${started.body.uploadId}`, { token: ann.accessToken })).status).toBe(404);
  });

  it('counts its requests: DynamoDB and the store', async () => {
    const metrics = attachMetrics(api.db.lean!);
    const s3Counts = store.s3 ? countS3(store.s3) : undefined;
    const measure = async <T>(action: () => Promise<T>): Promise<{ result: T; dynamodb: Record<string, number>; s3: Record<string, number> | undefined }> => {
      metrics.reset();
      s3Counts?.reset();
      const result = await action();
      return { result, dynamodb: requestCounts(metrics.snapshot()), s3: s3Counts?.counts() };
    };
    try {
      // Start: the quota's early check, one transaction; S3: CreateMultipartUpload (part URLs are signed locally).
      const started = await measure(() => start(2000));
      expect(started.dynamodb).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });
      if (kind === 's3') expect(started.s3).toEqual({ CreateMultipartUpload: 1 });
      const upload = started.result.body;
      const put = await measure(() => putPart(upload.missing[0], randomBytes(2000)));
      // The local part PUT reads the slot; with S3 the service sees nothing.
      expect(put.dynamodb).toEqual(kind === 'local' ? { GetItem: 1 } : {});
      const listed = await measure(() => parts(upload.uploadId));
      // The slot, and the session's check (nothing else reads the User item here).
      expect(listed.dynamodb).toEqual({ GetItem: 2 });
      if (kind === 's3') expect(listed.s3).toEqual({ ListParts: 1 });
      const aborted = await measure(() => api.call('DELETE', `/v1/users/ann/uploads/${upload.uploadId}`, { token: ann.accessToken }));
      expect(aborted.result.status).toBe(204);
      // The slot read, the reservation's release, the slot's deletion.
      expect(aborted.dynamodb).toEqual({ GetItem: 2, UpdateItem: 1, DeleteItem: 1 });
      if (kind === 's3') expect(aborted.s3).toEqual({ AbortMultipartUpload: 1, DeleteObject: 1 });
    } finally {
      metrics.detach();
    }
  });

  it('aborts the open uploads of a deleted account', async () => {
    const cleo = await signUp(api, `cleo${kind}`);
    const started = await start(4000, 'image/png', cleo);
    expect(started.status).toBe(201);
    expect((await putPart(started.body.missing[0], randomBytes(4000))).ok).toBe(true);
    expect(await store.openParts()).toHaveLength(1);
    const deleted = await api.call('DELETE', '/v1/me', { token: cleo.accessToken, json: { password: profile(cleo.username).password } });
    expect(deleted.status).toBe(202);
    await waitFor(async () => (await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.user(cleo.username), ConsistentRead: true }))).Item === undefined, {
      what: 'the account deleted',
      timeoutMs: 30_000,
    });
    expect(await store.openParts()).toEqual([]);
    const slot = await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.uploadSlot(started.body.uploadId), ConsistentRead: true }));
    expect(slot.Item).toBeUndefined();
  });
});

describe.each(['local', 's3'] as const)('an abandoned resumable upload with the %s store', (kind) => {
  let api: Api;
  let store: Store;
  let ann: Session;

  beforeAll(async () => {
    store = await createStore(kind);
    // Uploads live 2 s, and their reservations are released 2 s after that.
    api = await startApi({ UPLOAD_RESUMABLE_TTL_SECONDS: '2', UPLOAD_SLOT_TTL_SECONDS: '2' }, { blobs: store.blobs });
    ann = await signUp(api, 'ann');
  });
  afterAll(async () => {
    await api.close();
    await store.dispose();
  });

  it('expires: its reservation is released and (local store) the sweep removes its parts', async () => {
    const start = (contentLength: number) => api.call('POST', '/v1/users/ann/resumable-uploads', { token: ann.accessToken, json: { contentLength, contentType: 'image/png' } });
    const first = await start(5000);
    expect(first.status).toBe(201);
    const target = first.body.missing[0];
    const put = await fetch(target.url.startsWith('/') ? api.url + target.url : target.url, { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array(randomBytes(5000)) });
    expect(put.ok).toBe(true);
    const expiry = Date.parse(String(first.body.expiresAt));
    await waitFor(() => Date.now() > expiry + 2000 + 100, { what: 'the upload and its grace past', timeoutMs: 20_000 });
    expect((await api.call('GET', `/v1/users/ann/uploads/${first.body.uploadId}/parts`, { token: ann.accessToken })).status).toBe(404);
    // The next start finds the stale reservation and gives it back.
    const second = await start(7000);
    expect(second.status).toBe(201);
    const { Item } = await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.storageUse('ann'), ConsistentRead: true }));
    expect(Item?.bytes).toBe(7000);
    expect(Item?.openSlots).toEqual(new Set([expect.stringMatching(new RegExp(`^${second.body.uploadId}:`))]));
    if (kind === 'local') {
      // Parts older than the upload's life and grace go; the live upload's stay. The service's
      // upload timer runs the same sweep and may have been first: then this one finds nothing.
      const before = await store.openParts();
      expect(before.length).toBeGreaterThanOrEqual(1);
      expect(await sweepStaleParts(store.blobs, 2 + 2)).toBe(before.length - 1);
      expect(await store.openParts()).toHaveLength(1);
    } else {
      // S3: the bucket's AbortIncompleteMultipartUpload rule does it (test/deploy.test.ts checks the template).
      expect(await sweepStaleParts(store.blobs, 2 + 2)).toBe(0);
    }
  });
});

describe('resumable uploads inside the upload bounds (local store)', () => {
  let api: Api;
  let ann: Session;

  beforeAll(async () => {
    // Two unfinished uploads per user; one upload in flight per user.
    api = await startApi({ UPLOAD_SLOTS_PER_USER: '2', UPLOADS_PER_USER: '1' });
    ann = await signUp(api, 'ann');
  });
  afterAll(async () => {
    await api.close();
  });

  it('counts against the unfinished-upload bound with slots, and a part PUT takes an upload place', async () => {
    const slot = await api.call('POST', '/v1/users/ann/uploads', { token: ann.accessToken, json: { contentLength: 3000, contentType: 'image/png' } });
    expect(slot.status).toBe(201);
    const start = () => api.call('POST', '/v1/users/ann/resumable-uploads', { token: ann.accessToken, json: { contentLength: 3000, contentType: 'image/png' } });
    const resumable = await start();
    expect(resumable.status).toBe(201);
    const third = await start();
    expect([third.status, third.body.error.code]).toEqual([429, 'UPLOAD_SLOTS_EXCEEDED']);

    // A part trickling in holds ann's one place: her slot PUT is refused while it does. A
    // probe may take the place first, and the part is then refused: it is sent again.
    const target = new URL(api.url + resumable.body.missing[0].url);
    const trickle = async () => {
      const socket = connect(Number(target.port), target.hostname);
      await once(socket, 'connect');
      const state = { socket, answered: false };
      socket.on('data', () => (state.answered = true));
      socket.write(`PUT ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/octet-stream\r\nContent-Length: 3000\r\n\r\n`);
      socket.write(randomBytes(10));
      return state;
    };
    let part = await trickle();
    try {
      const refused = await waitFor(
        async () => {
          if (part.answered) {
            part.socket.destroy();
            part = await trickle();
          }
          const probe = await fetch(api.url + slot.body.url, { method: 'PUT', headers: putHeaders(slot.body.headers), body: new Uint8Array(randomBytes(3000)) });
          return probe.status === 429 ? probe : undefined;
        },
        { what: 'the trickling part holding the place', timeoutMs: 20_000 },
      );
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('UPLOAD_IN_PROGRESS');
    } finally {
      part.socket.destroy();
    }
  });
});

describe('resumable upload configuration', () => {
  it('defaults to 50 MiB files in 8 MiB parts open a day, and refuses parts S3 would refuse and lives past the lifecycle rule', () => {
    expect(loadConfig({}).media).toMatchObject({ resumableMaxBytes: 50 * 1024 * 1024, partBytes: 8 * 1024 * 1024, resumableTtlSeconds: 86_400 });
    expect(() => loadConfig({ UPLOAD_PART_BYTES: String(5 * 1024 * 1024 - 1) })).toThrow(/UPLOAD_PART_BYTES/);
    expect(() => loadConfig({ UPLOAD_RESUMABLE_TTL_SECONDS: '86401' })).toThrow(/UPLOAD_RESUMABLE_TTL_SECONDS/);
    expect(() => loadConfig({ UPLOAD_RESUMABLE_MAX_BYTES: '0' })).toThrow(/UPLOAD_RESUMABLE_MAX_BYTES/);
    expect(() => loadConfig({ UPLOAD_RESUMABLE_MAX_BYTES: String(10_001 * 5 * 1024 * 1024), UPLOAD_PART_BYTES: String(5 * 1024 * 1024) })).toThrow(/10000 parts/);
  });
});
