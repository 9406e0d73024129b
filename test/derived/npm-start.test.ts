/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- response bodies are asserted on, not typed */
/**
 * `npm start` runs the stream worker in-process by default: a photo posted through the API
 * reaches a follower's feed with nothing else running, and /ready reports the worker's lag.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTable, ensureTable } from '../../src/admin/table.js';
import { freePort } from '../../src/engine/embedded.js';
import { caller, imageForm, PNG_1x1, profile, type Api } from '../http/support.js';
import { isAlive, testClients, uniqueTableName } from '../support/db.js';
import { engineEndpoint } from '../support/engine.js';
import { waitUntilReady } from '../support/wait.js';

const table = uniqueTableName('start');
const clients = testClients();
let child: ChildProcess | undefined;
let dir: string;
let call: Api['call'];

beforeAll(async () => {
  await ensureTable(clients.client, table);
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
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  call = caller(url);
  await waitUntilReady(child, url);
}, 150_000);

afterAll(async () => {
  if (child?.pid && isAlive(child.pid)) child.kill('SIGTERM');
  await new Promise((r) => (child && child.exitCode === null ? child.once('exit', r) : r(undefined)));
  await deleteTable(clients.client, table);
  clients.client.destroy();
  await rm(dir, { recursive: true, force: true });
});

describe('npm start with its in-process worker', () => {
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
    expect(ready.body.details.worker.views.map((v: { view: string }) => v.view)).toEqual(['feed', 'activity', 'directory']);
    expect(typeof ready.body.details.worker.lagSeconds).toBe('number');
  });
});
