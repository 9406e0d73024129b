/**
 * Two API processes that share nothing but the engine and the secrets: tokens and cursors
 * from one work on the other, and concurrent writes through both keep every invariant.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../../src/admin/doctor.js';
import { deleteTable, ensureTable } from '../../src/admin/table.js';
import { freePort } from '../../src/engine/embedded.js';
import { caller, profile, type Api } from '../http/support.js';
import { compiledService } from '../support/build.js';
import { testClients, uniqueTableName } from '../support/db.js';
import { engineEndpoint } from '../support/engine.js';
import { waitUntilReady } from '../support/wait.js';

const table = uniqueTableName('scale');
const clients = testClients();
const processes: ChildProcess[] = [];
const dirs: string[] = [];
let a: Api['call'];
let b: Api['call'];

async function startInstance(): Promise<Api['call']> {
  const dir = await mkdtemp(join(tmpdir(), 'qp-instance-'));
  dirs.push(dir);
  const port = await freePort();
  const child = spawn(process.execPath, [await compiledService()], {
    cwd: new URL('../..', import.meta.url).pathname,
    env: {
      PATH: process.env.PATH,
      DYNAMODB_ENDPOINT: engineEndpoint(),
      TABLE_NAME: table,
      PORT: String(port),
      DATA_DIR: dir,
      JWT_SECRET: 'scale-out-shared-jwt-secret-0123456789abcdef',
      CURSOR_SECRET: 'scale-out-shared-cursor-secret-0123456789ab',
      RATE_LIMIT_AUTH: '0',
      RATE_LIMIT_WRITES: '0',
      LOG_LEVEL: 'warn',
      // The bound now covers a whole call (queue, attempts, backoff): on a loaded machine the
      // engine's transactions may take longer, so allow what three 5 s attempts allowed before.
      DYNAMODB_REQUEST_TIMEOUT_MS: '15000',
      // Neither feeds nor streams are this story: no stream worker polling in each instance,
      // and the tests' password cost (test/http/hashing.test.ts asserts the production one).
      WORKER: '0',
      PASSWORD_HASH_COST: '10',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  processes.push(child);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, url);
  return caller(url);
}

beforeAll(async () => {
  await ensureTable(clients.client, table);
  [a, b] = await Promise.all([startInstance(), startInstance()]);
}, 150_000);

afterAll(async () => {
  for (const child of processes) child.kill('SIGKILL');
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  await deleteTable(clients.client, table);
  clients.client.destroy();
});

describe('two API instances on one engine', () => {
  const names = ['star', 'fan1', 'fan2', 'fan3', 'fan4', 'fan5'];
  const tokens = new Map<string, string>();

  it('accept each other’s tokens and cursors', async () => {
    for (const name of names) expect((await a('POST', '/v1/accounts', { json: profile(name) })).status).toBe(201);
    for (const name of names) {
      const login = await b('POST', '/v1/sessions', { json: { username: name, password: profile(name).password } });
      expect(login.status).toBe(201);
      tokens.set(name, (login.body as { accessToken: string }).accessToken);
    }
    const token = tokens.get('star')!;
    for (const fan of names.slice(1)) expect((await a('PUT', `/v1/users/${fan}/followers/me`, { token })).status).toBeLessThan(300);
    const first = await a('GET', '/v1/users/star/following?limit=2', { token });
    const second = await b('GET', `/v1/users/star/following?limit=2&cursor=${encodeURIComponent(String((first.body as { nextCursor: string }).nextCursor))}`, { token });
    expect(second.status).toBe(200);
    expect((second.body as { items: unknown[] }).items).toHaveLength(2);
  });

  it('keep every counter exact under concurrent writes through both', async () => {
    const writes: Promise<unknown>[] = [];
    for (let round = 0; round < 6; round++) {
      for (const [i, fan] of names.slice(1).entries()) {
        const via = (round + i) % 2 === 0 ? a : b;
        const other = via === a ? b : a;
        const token = tokens.get(fan)!;
        writes.push(via('PUT', '/v1/users/star/followers/me', { token }), other('DELETE', '/v1/users/star/followers/me', { token }));
      }
    }
    const statuses = (await Promise.all(writes)).map((r) => (r as { status: number }).status);
    expect(statuses.every((s) => s < 500)).toBe(true);
    expect((await auditTable(clients.doc, table)).problems).toEqual([]);
    const token = tokens.get('star')!;
    const viaA = await a('GET', '/v1/users/star/followers?limit=100', { token });
    const viaB = await b('GET', '/v1/users/star/followers?limit=100', { token });
    expect(viaA.body).toEqual(viaB.body);
    const star = await b('GET', '/v1/users/star', { token });
    expect((star.body as { followers: number }).followers).toBe((viaA.body as { items: unknown[] }).items.length);
  });
});
