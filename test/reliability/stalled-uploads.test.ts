/* eslint-disable @typescript-eslint/no-unsafe-member-access */
/**
 * 120 uploads that send part of their body and then stall (from a separate process, so its
 * buffers do not count here), on 127.0.0.1. The service admits a bounded number (2 per user,
 * 16 in total), refuses the rest at once with 429/503 and a code, streams admitted bodies to
 * disk (memory stays flat), keeps serving other users, and cuts stalled bodies off after the
 * idle timeout, freeing every slot and temporary file.
 *
 * The admitted bodies trickle a byte at a time until the test lets them stall, so the checks made
 * while they hold their places never race the idle timeout on a loaded machine.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoJpeg } from '../support/images.js';
import { signUp, startApi, type Api, type Session } from '../http/support.js';
import { stallUploads } from '../support/stalled-uploads.js';
import { waitFor } from '../support/wait.js';

const STALLED = 120;
const USERS = 12;
const SENT_BYTES = 1024 * 1024; // per stalled upload, before it stalls
const IDLE_MS = 6000;
const TRICKLE_MS = 200;

describe('stalled uploads', () => {
  let api: Api;
  let tmp: string;
  let reader: Session;
  let uploader: Session;
  const tokens: string[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'qp-stall-tmp-'));
    // No places kept for newcomers (UPLOADS_RESERVED, test/http/upload-bounds.test.ts covers it):
    // this test fills the whole pool to see every refusal, memory stay flat and slots freed.
    api = await startApi({ UPLOAD_TMP_DIR: tmp, UPLOADS_PER_USER: '2', UPLOADS_TOTAL: '16', UPLOADS_RESERVED: '0', UPLOAD_IDLE_TIMEOUT_MS: String(IDLE_MS), UPLOAD_MIN_BYTES_PER_SECOND: '0', MAX_UPLOAD_BYTES: String(10 * 1024 * 1024) });
    for (let u = 0; u < USERS; u++) tokens.push((await signUp(api, `staller${u}`)).accessToken);
    reader = await signUp(api, 'reader');
    uploader = await signUp(api, 'uploader');
  }, 120_000);
  afterAll(async () => {
    await api.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('admits a bounded number, refuses the rest with codes, keeps memory flat and other users served, then frees every slot', async () => {
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;
    // Every connection open and every refusal in; the admitted ones keep their places.
    const uploads = await stallUploads({ port: Number(new URL(api.url).port), count: STALLED, sentBytes: SENT_BYTES, tokens, refused: STALLED - 16, trickleMs: TRICKLE_MS, timeoutMs: 30_000 });
    try {
      expect(uploads.open()).toBe(STALLED);
      const refused = uploads.answers();
      expect(refused.length).toBe(STALLED - 16);
      expect(new Set(refused)).toEqual(new Set(['429 UPLOAD_IN_PROGRESS', '503 UPLOADS_BUSY']));
      expect(refused.filter((s) => s === '429 UPLOAD_IN_PROGRESS').length).toBeGreaterThan(0);

      // Meanwhile: other users are served, and a new upload gets a clear 503 rather than a hang.
      // (how fast, beside an idle service, is measured in `npm run bench:media`)
      const profile = await api.call('GET', '/v1/users/reader', { token: reader.accessToken });
      expect(profile.status).toBe(200);
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(await photoJpeg(64, 64))], { type: 'image/jpeg' }), 'a.jpg');
      const busy = await api.call('POST', '/v1/users/uploader/photos', { token: uploader.accessToken, body: form });
      expect(busy.status).toBe(503);
      expect(busy.body.error.code).toBe('UPLOADS_BUSY');

      // 120 MiB were sent; admitted bodies went to disk, refused ones were never buffered.
      const grown = process.memoryUsage().rss - rssBefore;
      expect(grown).toBeLessThan(64 * 1024 * 1024);
      expect((await readdir(tmp)).length).toBeLessThanOrEqual(16);

      // Now they stall: after the idle timeout every admitted upload is cut off with 408, and its
      // slot and file are freed.
      uploads.stall();
      await waitFor(() => uploads.answers().length === STALLED, { what: 'every admitted upload to be cut off', timeoutMs: IDLE_MS * 5, intervalMs: 100 });
      const timedOut = uploads.answers().filter((s) => s.startsWith('408') || s === 'closed');
      expect(timedOut.length).toBe(16);
      expect(await readdir(tmp)).toEqual([]);
      const after = await api.call('POST', '/v1/users/uploader/photos', { token: uploader.accessToken, body: form });
      expect(after.status).toBe(201);
    } finally {
      uploads.stop();
    }
  }, 60_000);
});
