/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- response bodies are asserted on, not typed */
/**
 * `npm start` runs the stream worker in-process by default: a photo posted through the API
 * reaches a follower's feed with nothing else running, and /ready reports the worker's lag.
 * A fresh start loads the sample data and derives its feeds directly: at /ready every
 * checkpoint is already at the stream's latest record, so the new photo's records are the
 * first the worker applies (none of the sample's records is replayed before them). The sample
 * is six users (SAMPLE_USERS): their ~250 records prove that order as well as 50 users' 2,800
 * did, without drawing 580 pictures in the child.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTable } from '../../src/admin/table.js';
import { derivedDb, readCheckpoint, READER } from '../../src/derived/store/index.js';
import { compareSequence } from '../../src/derived/records.js';
import { findStream } from '../../src/derived/stream.js';
import { createCursorCodec } from '../../src/patterns/cursor.js';
import { freePort } from '../../src/engine/embedded.js';
import { caller, imageForm, PNG_1x1, profile, type Api } from '../http/support.js';
import { isAlive, testClients, uniqueTableName } from '../support/db.js';
import { engineEndpoint } from '../support/engine.js';
import { waitUntilReady } from '../support/wait.js';
import { streamRecords } from './support.js';

const table = uniqueTableName('start');
const clients = testClients();
let child: ChildProcess | undefined;
let dir: string;
let call: Api['call'];

/** Per shard, every record's sequence number (the stream as it stands). */
async function streamSequences(): Promise<Map<string, string[]>> {
  const records = await streamRecords(clients.client, table);
  return new Map([...records].map(([shardId, shard]) => [shardId, shard.map((r) => r.dynamodb!.SequenceNumber!)]));
}

/** Per shard, the worker's checkpoint. */
async function checkpoints(shards: Iterable<string>): Promise<Map<string, string | undefined>> {
  const stream = await findStream(clients.client, table);
  const derived = derivedDb({ doc: clients.doc, table, cursors: createCursorCodec('unused-cursor-secret-0123456789') });
  const found = new Map<string, string | undefined>();
  for (const shardId of shards) found.set(shardId, (await readCheckpoint(derived, READER, stream!.label, shardId)).sequenceNumber);
  return found;
}

let atReady: Map<string, string[]>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qp-start-'));
  const port = await freePort();
  child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: {
      PATH: process.env.PATH,
      DYNAMODB_ENDPOINT: engineEndpoint(),
      TABLE_NAME: table,
      PORT: String(port),
      DATA_DIR: dir,
      RATE_LIMIT_AUTH: '0',
      RATE_LIMIT_WRITES: '0',
      LOG_LEVEL: 'warn',
      WORKER_POLL_MS: '50',
      SAMPLE_USERS: '6',
      // The image process at normal priority: at SCHED_IDLE, on cores the other files keep busy, it
      // gets next to no CPU and its upload could wait out MEDIA_TIMEOUT_MS (test/media/ runs last
      // for that). What this file proves is the derived data at /ready, not the image process.
      MEDIA_SCHED: 'nice',
      MEDIA_NICE: '0',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  call = caller(url);
  await waitUntilReady(child, url);
  atReady = await streamSequences();
}, 240_000);

afterAll(async () => {
  if (child?.pid && isAlive(child.pid)) child.kill('SIGTERM');
  await new Promise((r) => (child && child.exitCode === null ? child.once('exit', r) : r(undefined)));
  await deleteTable(clients.client, table);
  clients.client.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('npm start with its in-process worker', () => {
  it('at /ready, the sample data is derived and every checkpoint is at the stream\'s latest record', async () => {
    const records = [...atReady.values()].reduce((n, seqs) => n + seqs.length, 0);
    expect(records, `records per shard at /ready: ${JSON.stringify([...atReady].map(([shardId, seqs]) => [shardId, seqs.length]))}`).toBeGreaterThan(200);
    const positions = await checkpoints(atReady.keys());
    for (const [shardId, seqs] of atReady) expect(positions.get(shardId)).toBe(seqs.at(-1));
    const feed = await call('GET', '/ready');
    expect(feed.status).toBe(200);
  });

  it('delivers a post to a follower\'s feed and reports its lag in /ready', async () => {
    const tokens: Record<string, string> = {};
    for (const name of ['poster', 'reader']) {
      const answer = await call('POST', '/v1/accounts', { json: profile(name) });
      expect(answer.status).toBe(201);
      tokens[name] = answer.body.session.accessToken as string;
    }
    expect((await call('PUT', '/v1/users/poster/followers/me', { token: tokens.reader })).status).toBe(201);
    const upload = await call('POST', '/v1/users/poster/photos', { token: tokens.poster, body: imageForm(PNG_1x1) });
    expect(upload.status).toBe(201);

    const feedIds = async () => ((await call('GET', '/v1/me/feed', { token: tokens.reader })).body.items as { photo: { id: string } }[]).map((item) => item.photo.id);
    await expect.poll(feedIds, { timeout: 15_000, interval: 100 }).toEqual([upload.body.id]);

    const ready = await call('GET', '/ready');
    expect(ready.body.details.worker.where).toBe('in-process');
    // Only records written since /ready were applied: the sample's were never queued before them.
    const now = await streamSequences();
    const since = [...now].reduce((n, [shardId, seqs]) => {
      const last = atReady.get(shardId)?.at(-1);
      return n + seqs.filter((seq) => last === undefined || compareSequence(seq, last) > 0).length;
    }, 0);
    const processed = (ready.body.details.worker.views as { processed: number }[]).map((v) => v.processed);
    expect(processed[0]).toBeGreaterThan(0);
    for (const count of processed) expect(count).toBeLessThanOrEqual(since);
    expect(ready.body.details.worker.views.map((v: { view: string }) => v.view)).toEqual(['feed', 'activity', 'directory', 'explore', 'people', 'tags', 'mentions', 'events', 'push', 'comment-summary']);
    expect(typeof ready.body.details.worker.lagSeconds).toBe('number');
  });
});
