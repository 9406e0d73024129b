/** The stream-record indexes the embedded engine adds to DynamoDB Local's database (src/engine/stream-index.ts). */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { spawnSync } from 'node:child_process';
import { constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTable } from '../src/admin/table.js';
import { createClients } from '../src/engine/client.js';
import { startEmbeddedEngine } from '../src/engine/embedded.js';
import { DATABASE_FILE, dropStreamIndex, ensureStreamIndex, hasStreamIndex, STREAM_INDEXES } from '../src/engine/stream-index.js';

/** The -dbPath of a JVM under the engine's supervising shell (its descendants, read from /proc). */
function jvmDbPath(root: number): string | undefined {
  const queue = [root];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    let args: string[];
    try {
      args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    const at = args.indexOf('-dbPath');
    if (at >= 0 && args.some((arg) => arg.endsWith('DynamoDBLocal.jar'))) return args[at + 1];
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const children = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (children) queue.push(...children.split(/\s+/).map(Number));
    }
  }
  return undefined;
}

describe('stream-record indexes', () => {
  it('is in a new engine directory, and a directory written without them gets them at next start, items intact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qp-engine-index-'));
    const file = join(dir, DATABASE_FILE);
    const key = { PK: { S: 'USER#kept' }, SK: { S: '#METADATA#kept' } };
    try {
      const first = await startEmbeddedEngine({ dbPath: dir });
      expect(await hasStreamIndex(file)).toBe(true);
      expect(Object.keys(STREAM_INDEXES)).toEqual(['qp_us_stream', 'qp_us_stream_shard', 'qp_us_shard']);
      const one = createClients({ endpoint: first.endpoint, local: true });
      await createTable(one.client, 'indexed');
      await one.client.send(new PutItemCommand({ TableName: 'indexed', Item: { ...key, note: { S: 'before the index' } } }));
      one.client.destroy();
      await first.stop();

      // Without any index, a file gets them all (and once: a second pass has nothing to add).
      const copy = join(dir, 'copy.db');
      await copyFile(file, copy);
      await dropStreamIndex(copy);
      expect(await hasStreamIndex(copy)).toBe(false);
      expect(await ensureStreamIndex(copy)).toBe(true);
      expect(await hasStreamIndex(copy)).toBe(true);
      expect(await ensureStreamIndex(copy)).toBe(false);

      // As a database indexed before the shard indexes existed (by stream and sequence only).
      await dropStreamIndex(file, ['qp_us_stream_shard', 'qp_us_shard']);
      expect(await hasStreamIndex(file)).toBe(false);

      const second = await startEmbeddedEngine({ dbPath: dir });
      try {
        expect(await hasStreamIndex(file)).toBe(true);
        const two = createClients({ endpoint: second.endpoint, local: true });
        const got = await two.client.send(new GetItemCommand({ TableName: 'indexed', Key: key }));
        expect(got.Item?.note).toEqual({ S: 'before the index' });
        two.client.destroy();
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it('keeps an in-memory engine in an indexed scratch directory that is gone after stop, and removes abandoned ones', async () => {
    // A scratch directory whose process died without stopping its engine (SIGKILL).
    const dead = spawnSync('true').pid;
    const base = await access('/dev/shm', constants.W_OK).then(() => '/dev/shm', () => tmpdir());
    const abandoned = join(base, `qp-engine-db-${dead}-abandoned`);
    await mkdir(abandoned);
    await writeFile(join(abandoned, DATABASE_FILE), 'left behind');
    const engine = await startEmbeddedEngine();
    let scratch: string | undefined;
    try {
      expect(engine.dbPath).toBeUndefined();
      expect(existsSync(abandoned)).toBe(false);
      scratch = jvmDbPath(engine.pid);
      expect(scratch).toMatch(new RegExp(`^${base}/qp-engine-db-${process.pid}-`));
      expect(await hasStreamIndex(join(scratch as string, DATABASE_FILE))).toBe(true);
      const clients = createClients({ endpoint: engine.endpoint, local: true });
      expect(await createTable(clients.client, 'scratch')).toBe(true);
      clients.client.destroy();
    } finally {
      await engine.stop();
    }
    expect(existsSync(scratch as string)).toBe(false);
  }, 120_000);
});
