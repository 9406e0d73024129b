/**
 * A stalled engine (its JVM frozen with SIGSTOP: connections are still accepted by the kernel,
 * nothing ever answers) must not hang the API: reads, writes and /ready answer
 * 503 ENGINE_UNAVAILABLE within DYNAMODB_REQUEST_TIMEOUT_MS (per call on the lean client, per
 * attempt on the SDK), on both clients, and the API recovers by itself after SIGCONT. Uses a private engine; the JVM is always resumed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTable } from '../../src/admin/table.js';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import type { ClientKind } from '../../src/engine/doc-client.js';
import { createClients, type Clients } from '../../src/engine/client.js';
import { startEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded.js';
import { buildApp } from '../../src/http/app.js';
import { createCursorCodec } from '../../src/patterns/cursor.js';
import { listen, profile, testConfig } from '../http/support.js';
import { jvmPid } from '../support/engine.js';

const TIMEOUT_MS = 1_000;
const ATTEMPTS = 2;
// Every attempt may take the full timeout; retries add a backoff of at most a few hundred ms.
// The margin absorbs timer granularity and a busy machine, not another attempt.
const BOUND_MS = TIMEOUT_MS * ATTEMPTS + 2_000;

let dir: string;
let engine: EmbeddedEngine;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qp-stall-'));
  engine = await startEmbeddedEngine({ dbPath: join(dir, 'db') });
});

afterAll(async () => {
  try {
    process.kill(jvmPid(engine), 'SIGCONT');
  } catch {
    // Already gone.
  }
  await engine.stop();
  await rm(dir, { recursive: true, force: true });
});

describe.each<ClientKind>(['lean', 'sdk'])('a frozen engine under the %s client', (kind) => {
  const table = `stall-${kind}`;
  let clients: Clients;
  let app: FastifyInstance;
  let url: string;
  let token: string;

  /** One request with a hard client-side limit, so a hang fails the test instead of stalling it. */
  async function timed(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown; ms: number }> {
    const started = performance.now();
    const response = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
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
    clients = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: TIMEOUT_MS, maxAttempts: ATTEMPTS, kind });
    const config = testConfig({ TABLE_NAME: table, PHOTOS_DIR: join(dir, `photos-${kind}`) });
    const db = { doc: clients.patterns, table, cursors: createCursorCodec('stall-cursor-secret-0123456789ab') };
    app = await buildApp({ db, client: clients.client, config, blobs: createLocalBlobStore(join(dir, `photos-${kind}`)) });
    url = await listen(app);
    const signUp = await fetch(`${url}/v1/accounts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(profile('frozen')) });
    expect(signUp.status).toBe(201);
    token = ((await signUp.json()) as { session: { accessToken: string } }).session.accessToken;
  });

  afterAll(async () => {
    await app?.close();
    clients?.destroy();
  });

  it('answers 503 ENGINE_UNAVAILABLE within the bound, then recovers after SIGCONT', async () => {
    expect((await timed('GET', '/v1/users/frozen')).status).toBe(200);
    const pid = jvmPid(engine);
    process.kill(pid, 'SIGSTOP');
    try {
      const answers = await Promise.all([
        timed('GET', '/v1/users/frozen'),
        timed('PATCH', '/v1/users/frozen', { status: 'frozen in time' }),
        timed('GET', '/ready'),
      ]);
      for (const [i, answer] of answers.entries()) {
        // Which call answered, and how fast, if one did not wait for the engine.
        expect(answer.status, `${['GET profile', 'PATCH profile', 'GET /ready'][i]} after ${Math.round(answer.ms)} ms: ${JSON.stringify(answer.body)}`).toBe(503);
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
