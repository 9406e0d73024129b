/** The embedded engine's lifecycle and the configuration that selects an engine (its ports and sockets: test/reliability/engine-isolation.test.ts). */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { createClients } from '../src/engine/client.js';
import { assertJavaAvailable, EngineStartError, PRIVATE_PREFIX, startEmbeddedEngine } from '../src/engine/embedded.js';
import { createTable, describeTable } from '../src/admin/table.js';
import { isAlive } from './support/db.js';


describe('embedded engine', () => {
  it('explains in one line what to install when Java is missing', () => {
    expect(() => assertJavaAvailable('/nonexistent/java')).toThrow(EngineStartError);
    expect(() => assertJavaAvailable('/nonexistent/java')).toThrow(/Java 17\+ runtime .*apt-get install -y openjdk-17-jre-headless.*DYNAMODB_ENDPOINT/);
  });

  it('keeps data on disk across a stop and a restart, and leaves no process behind', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qp-engine-'));
    try {
      const first = await startEmbeddedEngine({ dbPath: dir });
      const one = createClients({ endpoint: first.endpoint, local: true });
      await createTable(one.client, 'persisted');
      one.client.destroy();
      await first.stop();
      expect(isAlive(first.pid)).toBe(false);

      const second = await startEmbeddedEngine({ dbPath: dir });
      const two = createClients({ endpoint: second.endpoint, local: true });
      expect((await describeTable(two.client, 'persisted')).exists).toBe(true);
      two.client.destroy();
      await second.stop();
      await second.stop(); // idempotent
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Two JVM starts: on a loaded 2-core machine each can take well over ten seconds.
  }, 120_000);

  it("keeps its private directory, with the JVM's temporary files, until it stops, and removes those a killed process left behind", async () => {
    // A directory as a process killed with SIGKILL leaves it: its owner's pid is gone.
    const dead = spawnSync('true').pid;
    const abandoned = join(tmpdir(), `${PRIVATE_PREFIX}${dead}-abandoned`);
    await mkdir(abandoned);
    await writeFile(join(abandoned, 'engine.sock'), '');
    const mine = () => readdirSync(tmpdir()).filter((name) => name.startsWith(`${PRIVATE_PREFIX}${process.pid}-`));
    const before = mine();
    const engine = await startEmbeddedEngine();
    try {
      expect(existsSync(abandoned)).toBe(false);
      const own = mine().filter((name) => !before.includes(name));
      expect(own).toHaveLength(1);
      // The native library the JVM unpacks at its first table access (and leaves behind when
      // killed) is in there.
      const clients = createClients({ endpoint: engine.endpoint, local: true });
      await clients.client.send(new ListTablesCommand({}));
      clients.client.destroy();
      expect(readdirSync(join(tmpdir(), own[0]!)).filter((name) => name.endsWith('.so'))).toHaveLength(1);
      await engine.stop();
      expect(existsSync(join(tmpdir(), own[0]!))).toBe(false);
    } finally {
      await engine.stop();
      await rm(abandoned, { recursive: true, force: true });
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
