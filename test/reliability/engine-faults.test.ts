/**
 * The engine fails under a running API, on a private engine (the run's shared one is never
 * touched), started once for both faults:
 *  - Stalled (its JVM frozen with SIGSTOP: connections are still accepted by the kernel, nothing
 *    ever answers): reads, writes and /ready answer 503 ENGINE_UNAVAILABLE within
 *    DYNAMODB_REQUEST_TIMEOUT_MS (per call on the lean client, per attempt on the SDK), on both
 *    clients, and the API recovers by itself after SIGCONT. The JVM is always resumed.
 *  - Gone (stopped): requests answer 503 ENGINE_UNAVAILABLE within a bounded time, the process
 *    stays up, and it recovers by itself when the engine returns, data intact.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../src/admin/table.js';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import type { ClientKind } from '../../src/engine/doc-client.js';
import { createClients, type Clients } from '../../src/engine/client.js';
import { freePort, startEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded.js';
import { buildApp } from '../../src/http/app.js';
import { createCursorCodec } from '../../src/patterns/cursor.js';
import { photoId } from '../../src/schema/ids.js';
import { caller, listen, profile, signUp, testConfig, type Api } from '../http/support.js';
import { jvmPid } from '../support/engine.js';
import { javaDescendants, statFields } from '../support/sockets.js';
import { waitFor } from '../support/wait.js';

const TIMEOUT_MS = 1_000;
const ATTEMPTS = 2;
// Every attempt may take the full timeout; retries add a backoff of at most a few hundred ms.
// The margin absorbs timer granularity and a busy machine, not another attempt.
const BOUND_MS = TIMEOUT_MS * ATTEMPTS + 2_000;

/** The state letter in a /proc stat file (T: stopped). */
const stateIn = (statFile: string): string => statFields(statFile)[0]!;

/** The state of each of a process's threads. */
const threadStates = (pid: number): string[] => readdirSync(`/proc/${pid}/task`).map((tid) => stateIn(`/proc/${pid}/task/${tid}/stat`));

/** Every JVM on the machine whose command line names `path`, with its state: which engine answered, if a frozen one seemed to. */
function jvmsOn(path: string): string {
  const found = javaDescendants(1).flatMap((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(path) ? [`${pid} (${stateIn(`/proc/${pid}/stat`)})`] : [];
    } catch {
      return [];
    }
  });
  return found.join(', ') || 'none';
}

let dir: string;
let port: number;
let engine: EmbeddedEngine;
let clients: Clients;
let app: FastifyInstance;
let call: Api['call'];
let token: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qp-faults-'));
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
  try {
    process.kill(jvmPid(engine), 'SIGCONT');
  } catch {
    // Already gone.
  }
  await app?.close();
  clients.client.destroy();
  await engine.stop();
  await rm(dir, { recursive: true, force: true });
});

describe.each<ClientKind>(['lean', 'sdk'])('a frozen engine under the %s client', (kind) => {
  const table = `stall-${kind}`;
  let frozenClients: Clients;
  let frozenApp: FastifyInstance;
  let url: string;
  let frozenToken: string;

  /** One request with a hard client-side limit, so a hang fails the test instead of stalling it. */
  async function timed(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; ms: number }> {
    const started = performance.now();
    const response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${frozenToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(BOUND_MS * 3),
    });
    const text = await response.text();
    return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined, ms: performance.now() - started };
  }

  beforeAll(async () => {
    // Creating the table may take longer than the bound on a busy machine: a patient client.
    const admin = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: 60_000 });
    await ensureTable(admin.client, table);
    admin.destroy();
    frozenClients = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: TIMEOUT_MS, maxAttempts: ATTEMPTS, kind });
    const config = testConfig({ TABLE_NAME: table, PHOTOS_DIR: join(dir, `photos-${kind}`) });
    const db = { doc: frozenClients.patterns, table, cursors: createCursorCodec('stall-cursor-secret-0123456789ab') };
    frozenApp = await buildApp({ db, client: frozenClients.client, config, blobs: createLocalBlobStore(join(dir, `photos-${kind}`)) });
    url = await listen(frozenApp);
    const signedUp = await fetch(`${url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(profile('frozen')) });
    expect(signedUp.status).toBe(201);
    frozenToken = ((await signedUp.json()) as { session: { accessToken: string } }).session.accessToken;
  });

  afterAll(async () => {
    await frozenApp?.close();
    frozenClients?.destroy();
  });

  it('answers 503 ENGINE_UNAVAILABLE within the bound, then recovers after SIGCONT', async () => {
    expect((await timed('GET', '/v1/users/frozen')).status).toBe(200);
    const pid = jvmPid(engine);
    process.kill(pid, 'SIGSTOP');
    try {
      // Asked once every thread of the JVM has stopped: each stops when it next runs, and one still
      // running may answer. With three busy loops beside the engine, a read sent right after the
      // signal was answered 3 times in 300; sent once every thread was in state T, 0 in 200.
      await waitFor(() => threadStates(pid).every((state) => state === 'T'), { what: 'the JVM to stop', timeoutMs: 10_000, intervalMs: 10 });
      const answers = await Promise.all([
        timed('GET', '/v1/users/frozen'),
        timed('PATCH', '/v1/users/frozen', { status: 'frozen in time' }),
        timed('GET', '/ready'),
      ]);
      // Read only when an answer came anyway.
      const context = answers.every((answer) => answer.status === 503) ? '' : `JVM ${pid} stopped; JVMs on the engine's directory: ${jvmsOn(dir)}`;
      for (const [i, answer] of answers.entries()) {
        // Which call answered, and how fast, if one did not wait for the engine.
        expect(answer.status, `${['GET profile', 'PATCH profile', 'GET /ready'][i]} after ${Math.round(answer.ms)} ms: ${JSON.stringify(answer.body)} (${context})`).toBe(503);
        expect(answer.body).toEqual({ error: { code: 'ENGINE_UNAVAILABLE', message: expect.any(String) as string } });
        // It is the timeout that answered, not some faster failure (a hang past the bound fails the fetch).
        expect(answer.ms).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.9);
      }
    } finally {
      process.kill(pid, 'SIGCONT');
    }

    await expect.poll(async () => (await timed('GET', '/v1/users/frozen')).status, { timeout: 15_000, interval: 250 }).toBe(200);
    expect((await timed('GET', '/ready')).status).toBe(200);
    expect(await timed('PATCH', '/v1/users/frozen', { status: 'thawed' })).toMatchObject({ status: 200, body: { status: 'thawed' } });
  });
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
