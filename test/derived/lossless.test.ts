/**
 * Nothing lost: transient failures in the middle of a fan-out (throttling on every write, then
 * the engine frozen with SIGSTOP) outlast every retry bound, and still every feed ends exact,
 * with no record set aside. The checkpoint waits; the lag and the error show in the status.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointAtLatest } from '../../src/admin/derive-initial.js';
import { ensureTable, deleteTable } from '../../src/admin/table.js';
import { loadConfig } from '../../src/config/index.js';
import { listDeadLetters } from '../../src/derived/dead-letters.js';
import { derivedDb } from '../../src/derived/store/index.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { createClients, type Clients } from '../../src/engine/client.js';
import { startEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded.js';
import { createCursorCodec } from '../../src/patterns/cursor.js';
import type { Db } from '../../src/patterns/db.js';
import { uploadPhoto } from '../../src/patterns/index.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { authorWithFollowers, expectedEntries, feedEntries, intercept, until } from './support.js';
import { jvmPid } from '../support/engine.js';

const FOLLOWERS = 200;
const settings = { ...loadConfig({}).derived, fanoutConcurrency: 1, pollMs: 20 };
const VIEW_NAMES = ['feed', 'activity', 'directory', 'explore', 'people', 'tags', 'mentions', 'events', 'push', 'comment-summary'];
/** The old consumer gave a record 5 attempts before setting it aside. */
const OLD_ATTEMPTS = 5;

function retryCounter() {
  let retries = 0;
  const logger = {
    info: () => undefined,
    warn: (_obj: object, msg: string) => void (msg.includes('retrying') && retries++),
    error: () => undefined,
  };
  return { logger, retries: () => retries };
}

describe('throttling on every write in the middle of a fan-out', () => {
  let db: TestDb;
  let worker: Worker;
  afterAll(async () => {
    await worker?.stop();
    await db?.drop();
  });

  it('retries past every bound and leaves every feed exact', { timeout: 180_000 }, async () => {
    db = await createTestDb();
    const followers = await authorWithFollowers(db, 'author', FOLLOWERS);
    let armed = false;
    let writes = 0;
    let throttled = 0;
    const doc = intercept(db.doc, 'BatchWriteCommand', () => {
      if (!armed || ++writes < 3) return;
      // From the third write of the fan-out on: throttled more times than the old bound allowed.
      if (throttled++ < OLD_ATTEMPTS + 1) throw Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ProvisionedThroughputExceededException' });
    });
    // The set-up's records are not the subject: checkpoints past them, the worker starts at the photo.
    await checkpointAtLatest(db.client, db, settings);
    const counter = retryCounter();
    worker = createWorker({ client: db.client, db: { ...db, doc }, settings, logger: counter.logger });
    await worker.drain(120_000);

    armed = true;
    const photo = await uploadPhoto(db, { username: 'author', location: 'file:///p.png' });
    await until(() => counter.retries() > OLD_ATTEMPTS, 60_000, 'the retries');
    expect(worker.status().views[0]!.lastError).toMatch(/throttling/i);
    await worker.drain(120_000);

    const actual = await feedEntries(db);
    const expected = expectedEntries(['author', ...followers], 'author', [photo.timestamp]);
    expect(actual.length).toBe(expected.length);
    expect(new Set(actual)).toEqual(new Set(expected));
    expect(await listDeadLetters(derivedDb(db), VIEW_NAMES)).toEqual([]);
  });
});

describe('the engine frozen (SIGSTOP) in the middle of a fan-out', () => {
  let dir: string;
  let engine: EmbeddedEngine;
  let admin: Clients;
  let clients: Clients;
  let worker: Worker | undefined;
  const table = 'frozen-fanout';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qp-frozen-'));
    engine = await startEmbeddedEngine({ dbPath: join(dir, 'db') });
    admin = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: 60_000 });
    await ensureTable(admin.client, table);
    // The worker's client gives up on a request after 1 s (twice): the freeze outlasts that many times over.
    clients = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: 1_000, maxAttempts: 2 });
  }, 120_000);

  afterAll(async () => {
    try {
      process.kill(jvmPid(engine), 'SIGCONT');
    } catch {
      // Already gone.
    }
    await worker?.stop();
    await deleteTable(admin.client, table).catch(() => undefined);
    clients?.destroy();
    admin?.destroy();
    await engine?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('waits for the engine, then every feed is exact and nothing is set aside', { timeout: 240_000 }, async () => {
    const cursors = createCursorCodec('frozen-cursor-secret-0123456789abc');
    const setup: Db = { doc: admin.doc, table, cursors };
    const followers = await authorWithFollowers(setup, 'author', FOLLOWERS);
    let armed = false;
    let writes = 0;
    let frozen = false;
    const doc = intercept(clients.patterns, 'BatchWriteCommand', () => {
      if (armed && ++writes === 3 && !frozen) {
        frozen = true;
        process.kill(jvmPid(engine), 'SIGSTOP');
      }
    });
    await checkpointAtLatest(admin.client, setup, settings);
    const counter = retryCounter();
    worker = createWorker({ client: clients.client, db: { doc, table, cursors }, settings, logger: counter.logger });
    await worker.drain(120_000);

    const photo = await uploadPhoto(setup, { username: 'author', location: 'file:///p.png' });
    armed = true;
    try {
      await until(() => frozen && counter.retries() > OLD_ATTEMPTS, 120_000, 'retries against the frozen engine');
      const status = worker.status();
      expect(status.lagSeconds).toBeGreaterThan(0);
      expect(status.views[0]!.lastError).toBeDefined();
    } finally {
      process.kill(jvmPid(engine), 'SIGCONT');
    }
    await worker.drain(120_000);
    expect(worker.status().lagSeconds).toBe(0);

    const actual = await feedEntries(setup);
    const expected = expectedEntries(['author', ...followers], 'author', [photo.timestamp]);
    expect(actual.length).toBe(expected.length);
    expect(new Set(actual)).toEqual(new Set(expected));
    expect(await listDeadLetters(derivedDb(setup), VIEW_NAMES)).toEqual([]);
  });
});
