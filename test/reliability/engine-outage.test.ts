/**
 * The engine dies under a running API: requests answer 503 ENGINE_UNAVAILABLE within a
 * bounded time, the process stays up, and it recovers by itself when the engine returns.
 * Uses a private engine: the run's shared one is never touched.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../src/admin/table.js';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import { createClients, type Clients } from '../../src/engine/client.js';
import { freePort, startEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded.js';
import { buildApp } from '../../src/http/app.js';
import { createCursorCodec } from '../../src/patterns/cursor.js';
import { photoId } from '../../src/schema/ids.js';
import { caller, listen, signUp, testConfig, type Api } from '../http/support.js';

let dir: string;
let port: number;
let engine: EmbeddedEngine;
let clients: Clients;
let app: FastifyInstance;
let call: Api['call'];
let token: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qp-outage-'));
  port = await freePort();
  engine = await startEmbeddedEngine({ dbPath: join(dir, 'db'), port });
  // One attempt: an outage must surface as it happens, not hide behind retries. A stopped engine
  // refuses the connection at once, so the request bound only has to outlast a slow answer on a
  // busy machine: at 1 s, a DescribeTable on a loaded 2-core machine once timed out after the
  // recovery and `/ready` said 503 (a speed assumption, not an outage).
  clients = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: 30_000, maxAttempts: 1 });
  await ensureTable(clients.client, 'outage');
  const config = testConfig({ TABLE_NAME: 'outage', PHOTOS_DIR: join(dir, 'photos') });
  const db = { doc: clients.doc, table: 'outage', cursors: createCursorCodec('outage-cursor-secret-0123456789') };
  app = await buildApp({ db, client: clients.client, config, blobs: createLocalBlobStore(join(dir, 'photos')) });
  const url = await listen(app);
  call = caller(url);
  token = (await signUp({ call } as Api, 'steady')).accessToken;
});

afterAll(async () => {
  await app?.close();
  clients.client.destroy();
  await engine.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('when the engine goes away', () => {
  it('answers 503 ENGINE_UNAVAILABLE promptly and stays up', async () => {
    expect((await call('GET', '/v1/users/steady', { token })).status).toBe(200);
    await engine.stop();

    // The answer comes, and it is the outage's code: no hang (the test's own timeout bounds it).
    const answer = await call('GET', '/v1/users/steady', { token });
    expect(answer.status).toBe(503);
    expect(answer.body).toEqual({ error: { code: 'ENGINE_UNAVAILABLE', message: expect.any(String) as string } });
    expect(JSON.stringify(answer.body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|stack/i);

    const write = await call('PUT', `/v1/photos/${photoId('steady', '2019-01-01T00:00:00')}/reactions/heart`, { token });
    expect(write.status).toBe(503);
    expect((await call('GET', '/ready')).status).toBe(503);
    expect((await call('GET', '/health')).status).toBe(200);
  });

  it('recovers without a restart when the engine returns, data intact', async () => {
    engine = await startEmbeddedEngine({ dbPath: join(dir, 'db'), port });
    // The first requests after the outage may still meet dead keep-alive sockets.
    await expect.poll(async () => (await call('GET', '/v1/users/steady', { token })).status, { timeout: 15_000, interval: 250 }).toBe(200);
    expect((await call('GET', '/v1/users/steady', { token })).body).toMatchObject({ username: 'steady', followers: 0 });
    expect((await call('GET', '/ready')).status).toBe(200);
  });
});
