/**
 * First-start sample data loads completely or the start fails saying what to do. A busy engine
 * (throttling, timeouts) is stood in for by a client that fails some BatchWriteItem calls the
 * way DynamoDB does, in front of the real engine: throttled batches are sent again until the
 * load is whole; a load that still cannot finish fails with one line and leaves its marker,
 * and the next start finishes it, leaving exactly what one clean load leaves.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSampleData, SampleDataError, sampleDataMarker, seedSampleData } from '../../src/admin/seed.js';
import { generateItems } from '../../src/admin/generate.js';
import type { DocClient } from '../../src/engine/doc-client.js';
import { countItems, createTestDb, type TestDb } from '../support/db.js';

const USERS = 8;
const EXPECTED = [...generateItems({ users: USERS, seed: 42 })].length;
/** Retries short enough for a test; the count of tries is what matters here. */
const RETRY = { attempts: 4, baseMs: 1, capMs: 5 };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qp-sample-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const throttled = (): Error => Object.assign(new Error('Rate of requests exceeds the allowed throughput.'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });

interface BatchCall {
  /** BatchWriteItem calls so far, this one included. */
  n: number;
  /** Whether this batch (by its first item's key) was sent before. */
  again: boolean;
}

/** The real client, except that BatchWriteItem calls for which `fail` holds are throttled. */
function flaky(real: DocClient, fail: (call: BatchCall) => boolean): DocClient & { batches: () => number } {
  let n = 0;
  const sent = new Set<string>();
  const send = ((command: { constructor: { name: string }; input: { RequestItems?: Record<string, { PutRequest?: { Item?: { PK?: string; SK?: string } } }[]> } }) => {
    if (command.constructor.name === 'BatchWriteCommand') {
      const first = Object.values(command.input.RequestItems ?? {})[0]?.[0]?.PutRequest?.Item;
      const key = `${first?.PK}|${first?.SK}`;
      const again = sent.has(key);
      sent.add(key);
      if (fail({ n: ++n, again })) return Promise.reject(throttled());
    }
    return (real.send as (c: unknown) => Promise<unknown>)(command);
  }) as DocClient['send'];
  return { send, batches: () => n };
}

const exists = (path: string) => stat(path).then(() => true, () => false);

async function withTable(test: (db: TestDb) => Promise<void>): Promise<void> {
  const db = await createTestDb();
  try {
    await test(db);
  } finally {
    await db.drop();
  }
}

describe('first-start sample data', () => {
  it('sends throttled batches again until every item is loaded', async () => {
    await withTable(async (db) => {
      // Every batch is throttled the first time it is sent.
      const client = flaky(db.doc, ({ again }) => !again);
      const result = await seedSampleData(client, db.table, { users: USERS, retry: RETRY });
      expect(result.written).toBe(EXPECTED);
      expect(await countItems(db)).toBe(EXPECTED);
    });
  });

  it('stops with one line when the load cannot finish, and the next start finishes it', async () => {
    await withTable(async (db) => {
      const marker = sampleDataMarker(dir, db.table);
      // Two batches land, then the engine throttles everything: the load is cut off part-way.
      const client = flaky(db.doc, ({ n }) => n > 2);
      const failed = await ensureSampleData(client, db.table, { users: USERS, retry: RETRY, createdTable: true, marker }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failed).toBeInstanceOf(SampleDataError);
      const message = (failed as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toMatch(/loaded only partly.*ThrottlingException.*start again/);
      expect(await exists(marker)).toBe(true);
      const partial = await countItems(db);
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(EXPECTED);

      // The next start: the table exists (not created now), the marker says the load is unfinished.
      const resumed = await ensureSampleData(db.doc, db.table, { users: USERS, retry: RETRY, createdTable: false, marker });
      expect(resumed?.written).toBe(EXPECTED);
      expect(await countItems(db)).toBe(EXPECTED);
      expect(await exists(marker)).toBe(false);

      // And the one after: nothing left to do, nothing written.
      const idle = flaky(db.doc, () => false);
      expect(await ensureSampleData(idle, db.table, { users: USERS, createdTable: false, marker })).toBeUndefined();
      expect(idle.batches()).toBe(0);
    });
  });
});
