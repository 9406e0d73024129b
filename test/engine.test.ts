/**
 * The embedded engine's lifecycle: its data kept on disk across a restart, with the
 * stream-record indexes it adds to DynamoDB Local's database (src/engine/stream-index.ts); the
 * private and scratch directories of an in-memory engine; and the configuration that selects an
 * engine (its ports and sockets: test/reliability/engine-isolation.test.ts). Three JVM starts in
 * all: each is seconds of CPU on a loaded machine, so each start checks all it can.
 */
import { spawnSync } from 'node:child_process';
import { constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { access, copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/index.js';
import { createClients } from '../src/engine/client.js';
import { assertJavaAvailable, EngineStartError, PRIVATE_PREFIX, startEmbeddedEngine } from '../src/engine/embedded.js';
import { DATABASE_FILE, dropStreamIndex, ensureStreamIndex, hasStreamIndex, STREAM_INDEXES } from '../src/engine/stream-index.js';
import { createTable, describeTable } from '../src/admin/table.js';
import { isAlive } from './support/db.js';

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

/** The journal mode a SQLite file records in its header: its read and write format versions (bytes 18, 19). */
async function journalMode(file: string): Promise<string> {
  const header = (await readFile(file)).subarray(18, 20);
  if (header[0] === 1 && header[1] === 1) return 'rollback';
  if (header[0] === 2 && header[1] === 2) return 'wal';
  return `unknown (${header.join(', ')})`;
}

describe('embedded engine', () => {
  it('explains in one line what to install when Java is missing', () => {
    expect(() => assertJavaAvailable('/nonexistent/java')).toThrow(EngineStartError);
    expect(() => assertJavaAvailable('/nonexistent/java')).toThrow(/Java 17\+ runtime .*apt-get install -y openjdk-17-jre-headless.*DYNAMODB_ENDPOINT/);
  });

  it('keeps data on disk across a stop and a restart, with its stream-record indexes (a directory written without them gets them at next start), and leaves no process behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qp-engine-'));
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
      // A directory that persists keeps SQLite's default rollback journal (see useWriteAheadLog).
      expect(await journalMode(file)).toBe('rollback');
      expect(existsSync(`${file}-wal`)).toBe(false);
      await first.stop();
      expect(isAlive(first.pid)).toBe(false);

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
        expect((await describeTable(two.client, 'indexed')).exists).toBe(true);
        const got = await two.client.send(new GetItemCommand({ TableName: 'indexed', Key: key }));
        expect(got.Item?.note).toEqual({ S: 'before the index' });
        two.client.destroy();
      } finally {
        await second.stop();
        await second.stop(); // idempotent
      }
      expect(isAlive(second.pid)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Two JVM starts: on a loaded 2-core machine each can take well over ten seconds.
  }, 120_000);

  it("keeps an in-memory engine's private directory (the JVM's temporary files) and its indexed scratch database until it stops, and removes those a killed process left behind", async () => {
    // Directories as a process killed with SIGKILL leaves them: their owner's pid is gone.
    const dead = spawnSync('true').pid;
    const abandonedPrivate = join(tmpdir(), `${PRIVATE_PREFIX}${dead}-abandoned`);
    await mkdir(abandonedPrivate);
    await writeFile(join(abandonedPrivate, 'engine.sock'), '');
    const base = await access('/dev/shm', constants.W_OK).then(() => '/dev/shm', () => tmpdir());
    const abandonedScratch = join(base, `qp-engine-db-${dead}-abandoned`);
    await mkdir(abandonedScratch);
    await writeFile(join(abandonedScratch, DATABASE_FILE), 'left behind');
    const mine = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`${PRIVATE_PREFIX}${process.pid}-`));
    const before = mine();
    const engine = await startEmbeddedEngine();
    let scratch: string | undefined;
    let own: string | undefined;
    try {
      expect(existsSync(abandonedPrivate)).toBe(false);
      expect(existsSync(abandonedScratch)).toBe(false);
      const made = mine().filter((name) => !before.includes(name));
      expect(made).toHaveLength(1);
      own = join(tmpdir(), made[0]!);
      expect(engine.dbPath).toBeUndefined();
      scratch = jvmDbPath(engine.pid);
      expect(scratch).toMatch(new RegExp(`^${base}/qp-engine-db-${process.pid}-`));
      expect(await hasStreamIndex(join(scratch as string, DATABASE_FILE))).toBe(true);
      const clients = createClients({ endpoint: engine.endpoint, local: true });
      expect(await createTable(clients.client, 'scratch')).toBe(true);
      clients.client.destroy();
      // Its commits go to a write-ahead log (stream-index.ts, useWriteAheadLog).
      expect(await journalMode(join(scratch as string, DATABASE_FILE))).toBe('wal');
      expect(existsSync(join(scratch as string, `${DATABASE_FILE}-wal`))).toBe(true);
      // The native library the JVM unpacks at its first table access (and leaves behind when
      // killed) is in its private directory.
      expect(readdirSync(own).filter((name) => name.endsWith('.so'))).toHaveLength(1);
      await engine.stop();
      expect(existsSync(own)).toBe(false);
      expect(existsSync(scratch as string)).toBe(false);
    } finally {
      await engine.stop();
      await rm(abandonedPrivate, { recursive: true, force: true });
      await rm(abandonedScratch, { recursive: true, force: true });
    }
  }, 120_000);
});

describe('configuration', () => {
  it('defaults to the embedded engine and the lab table name', () => {
    expect(loadConfig({})).toMatchObject({ engine: 'embedded', tableName: 'quick-photos', localCredentials: true });
  });

  it('points at another engine by configuration only', () => {
    expect(loadConfig({ DYNAMODB_ENDPOINT: 'http://db:8000', TABLE_NAME: 'photos-prod' })).toMatchObject({
      engine: 'endpoint',
      endpoint: 'http://db:8000',
      tableName: 'photos-prod',
    });
    expect(loadConfig({ DYNAMODB_ENGINE: 'aws', AWS_REGION: 'eu-west-1' })).toMatchObject({ engine: 'aws', region: 'eu-west-1', localCredentials: false });
  });

  it("loads the seed's sample size unless SAMPLE_USERS sets one", () => {
    expect(loadConfig({}).sampleUsers).toBeUndefined();
    expect(loadConfig({ SAMPLE_USERS: '6' }).sampleUsers).toBe(6);
  });

  it.each([
    [{ DYNAMODB_ENDPOINT: 'not a url' }, /DYNAMODB_ENDPOINT/],
    [{ DYNAMODB_ENDPOINT: 'ftp://x' }, /http or https/],
    [{ DYNAMODB_ENGINE: 'mysql' }, /DYNAMODB_ENGINE/],
    [{ DYNAMODB_ENGINE: 'endpoint' }, /needs DYNAMODB_ENDPOINT/],
    [{ TABLE_NAME: 'a b' }, /TABLE_NAME/],
    // The derived table's name (`<table>-derived`) must fit DynamoDB's 255 characters.
    [{ TABLE_NAME: 't'.repeat(248) }, /3-247 characters/],
    [{ DYNAMODB_REQUEST_TIMEOUT_MS: '-1' }, /DYNAMODB_REQUEST_TIMEOUT_MS/],
    [{ SAMPLE_USERS: '1' }, /SAMPLE_USERS must be an integer from 2 to 1000/],
    [{ SAMPLE_USERS: 'many' }, /SAMPLE_USERS/],
  ])('rejects %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });
});
