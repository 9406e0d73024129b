/**
 * The embedded engine is reachable from this machine only. Proven from the kernel's list of
 * listening sockets (never by sending traffic to a non-loopback address): no socket of the
 * service or its engine listens on a wildcard address, the endpoint's is on 127.0.0.1, and the
 * JVM runs in a network namespace of its own. On the same engine: a second engine on its port
 * is refused, and its own socket reaches it without the TCP front.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readlinkSync, realpathSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createTable } from '../../src/admin/table.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { createClients } from '../../src/engine/client.js';
import { freePort, startEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded.js';
import { compiledService } from '../support/build.js';
import { javaDescendants, listeners, processTree, socketInodes, WILDCARD } from '../support/sockets.js';

let engine: EmbeddedEngine;

beforeAll(async () => {
  engine = await startEmbeddedEngine();
});

afterAll(async () => {
  await engine.stop();
});

describe('the embedded engine on the network', () => {
  it('answers on its loopback endpoint', async () => {
    expect(engine.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { client } = createClients({ endpoint: engine.endpoint, local: true });
    const tables = await client.send(new ListTablesCommand({}));
    expect(tables.TableNames).toEqual([]);
    client.destroy();
  });

  it('has no listening socket on a wildcard address, and its endpoint on 127.0.0.1 only', () => {
    const ours = new Set<string>();
    for (const pid of [process.pid, ...processTree(engine.pid)]) for (const inode of socketInodes(pid)) ours.add(inode);
    const listening = listeners().filter((l) => ours.has(l.inode));
    // The endpoint is ours and on loopback...
    expect(listening.filter((l) => l.port === engine.port).map((l) => l.address)).toEqual(['127.0.0.1']);
    // ...and nothing of ours (test process, supervisor, relay, JVM) listens on every interface.
    expect(listening.filter((l) => WILDCARD.has(l.address))).toEqual([]);
  });

  it('gives web pages in a local browser no CORS access to it', async () => {
    const preflight = await fetch(engine.endpoint, {
      method: 'OPTIONS',
      headers: { origin: 'https://attacker.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-amz-target,authorization' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a port that is already taken, with the port in the message; its own socket reaches it without the TCP front', async () => {
    await expect(startEmbeddedEngine({ port: engine.port })).rejects.toThrow(new RegExp(`Port ${engine.port} is already in use`));

    expect(engine.socketPath).toBe(join(dirname(engine.socketPath!), 'engine.sock'));
    // An endpoint nothing listens on: only the socket can answer, for either client.
    const clients = createClients({ endpoint: `http://127.0.0.1:${await freePort()}`, socketPath: engine.socketPath, local: true, kind: 'lean' });
    try {
      await createTable(clients.client, 'by-socket');
      expect((await clients.client.send(new ListTablesCommand({}))).TableNames).toContain('by-socket');
      await clients.patterns.send(new PutCommand({ TableName: 'by-socket', Item: { PK: 'p', SK: 's', via: 'lean' } }));
      expect((await clients.doc.send(new GetCommand({ TableName: 'by-socket', Key: { PK: 'p', SK: 's' } }))).Item).toEqual({ PK: 'p', SK: 's', via: 'lean' });
    } finally {
      clients.destroy();
    }
  });

  it('runs the JVM in a network namespace of its own', () => {
    expect(engine.isolation).toBe('namespace');
    const [jvm] = javaDescendants(engine.pid);
    expect(jvm).toBeDefined();
    expect(readlinkSync(`/proc/${jvm}/ns/net`)).not.toBe(readlinkSync('/proc/self/ns/net'));
    // The JVM's own listener exists, in its namespace: not among the host's listeners at all.
    const jvmSockets = socketInodes(jvm!);
    expect(jvmSockets.size).toBeGreaterThan(0);
    expect(listeners().filter((l) => jvmSockets.has(l.inode))).toEqual([]);
  });
});

describe('NODE_ENV=production', () => {
  it('refuses the embedded engine in configuration', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) })).toThrow(/production.*embedded DynamoDB Local.*DYNAMODB_ENDPOINT/);
    expect(loadConfig({ NODE_ENV: 'production', DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' }).engine).toBe('endpoint');
  });

  it('stops `npm start` with one line, before any engine starts', async () => {
    const result = spawnSync(process.execPath, [await compiledService()], {
      cwd: new URL('../..', import.meta.url).pathname,
      env: { PATH: process.env.PATH, NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40), DATA_DIR: '/nonexistent/qp' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^quick-photos: NODE_ENV=production does not run the embedded DynamoDB Local/);
  });

  it('refuses, in one line naming the alternatives, where no namespace can be made', async () => {
    // No `unshare` on the PATH stands in for a system without network namespaces (macOS).
    const java = execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim();
    const dataDir = await mkdtemp(join(tmpdir(), 'qp-noisolation-'));
    try {
      const result = spawnSync(process.execPath, [await compiledService()], {
        cwd: new URL('../..', import.meta.url).pathname,
        env: { PATH: '/nonexistent', JAVA_BIN: realpathSync(java), DATA_DIR: dataDir },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^quick-photos: The embedded DynamoDB engine would listen on every network interface and cannot be isolated here/);
      expect(result.stderr).toContain('DYNAMODB_ENDPOINT=');
      expect(result.stderr).toContain('EMBEDDED_ENGINE_ISOLATION=none');
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown isolation mode', () => {
    expect(() => loadConfig({ EMBEDDED_ENGINE_ISOLATION: 'off' })).toThrow(/EMBEDDED_ENGINE_ISOLATION must be namespace or none/);
  });
});
