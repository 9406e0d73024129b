/**
 * The production path, as CI runs it: `npm run build`'s output starts with `node dist/main.js`
 * against an engine given by DYNAMODB_ENDPOINT; the table is made by the `table ensure` step
 * (through the bin, which runs the compiled CLI), never by the service on its own; a mistyped
 * TABLE_NAME stops the service in one line and creates nothing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cliEntry } from '../bin/entry.js';
import { deleteTable, describeTable } from '../src/admin/table.js';
import { freePort } from '../src/engine/embedded.js';
import { caller, signUp, type Api } from './http/support.js';
import { testClients, uniqueTableName } from './support/db.js';

const ROOT = new URL('..', import.meta.url).pathname;
const endpoint = inject('dynamodbEndpoint');
const { client } = testClients();
const table = uniqueTableName('prod');
const children: ChildProcess[] = [];
let dataDir: string;

const productionEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  PATH: process.env.PATH,
  NODE_ENV: 'production',
  DYNAMODB_ENDPOINT: endpoint,
  JWT_SECRET: 'production-test-jwt-secret-0123456789abcdef',
  DATA_DIR: dataDir,
  LOG_LEVEL: 'warn',
  ...extra,
});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'qp-prod-'));
  // Built aside and moved into place, so nothing ever sees a half-written file.
  const out = await mkdtemp(join(ROOT, '.build-'));
  try {
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', out], { cwd: ROOT, encoding: 'utf8' });
    expect(build.stdout + build.stderr).toBe('');
    expect(build.status).toBe(0);
    // Entry by entry, so that dist/web (the web client's own build) is left alone.
    await mkdir(join(ROOT, 'dist'), { recursive: true });
    for (const entry of await readdir(out)) {
      await rm(join(ROOT, 'dist', entry), { recursive: true, force: true });
      await rename(join(out, entry), join(ROOT, 'dist', entry));
    }
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}, 180_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await deleteTable(client, table).catch(() => undefined);
  client.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

describe('production', () => {
  it('emits JavaScript to dist/ that the bin prefers while it is up to date', () => {
    expect(existsSync(join(ROOT, 'dist/main.js'))).toBe(true);
    expect(existsSync(join(ROOT, 'dist/cli/main.js'))).toBe(true);
    expect(cliEntry(ROOT)).toEqual({ kind: 'compiled', path: join(ROOT, 'dist/cli/main.js') });
  });

  it('refuses a table that does not exist in one line, and creates nothing', async () => {
    const mistyped = `${table}-typo`;
    const result = spawnSync(process.execPath, ['dist/main.js'], { cwd: ROOT, env: productionEnv({ TABLE_NAME: mistyped, PORT: String(await freePort()) }), encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`Table ${mistyped} does not exist; create it with \`quick-photos table ensure`);
    expect((await describeTable(client, mistyped)).exists).toBe(false);
  });

  it('creates the table, its index and TTL in the `table ensure` step, through the compiled CLI', async () => {
    const ensure = spawnSync(process.execPath, ['bin/quick-photos.js', 'table', 'ensure', '--endpoint', endpoint, '--table', table, '--json'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(ensure.stderr).toBe('');
    // CreateTable already streams; the derived table (feeds, activity, directory) comes with the step.
    expect(JSON.parse(ensure.stdout)).toEqual({ table, created: true, indexCreated: true, ttlEnabled: false, streamEnabled: false, derivedCreated: true });
    const status = await describeTable(client, table);
    expect(status).toMatchObject({ exists: true, status: 'ACTIVE', index: 'active', itemCount: 0 });
    const { TimeToLiveDescription } = await client.send(new DescribeTimeToLiveCommand({ TableName: table }));
    expect(TimeToLiveDescription).toMatchObject({ AttributeName: 'expiresAt', TimeToLiveStatus: 'ENABLED' });
    // Run again: nothing to do.
    const again = spawnSync(process.execPath, ['bin/quick-photos.js', 'table', 'ensure', '--endpoint', endpoint, '--table', table], { cwd: ROOT, env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(again.stdout).toBe(
      `Table ${table} already exists.\nInvertedIndex already active.\nTTL already enabled on expiresAt.\nStream already enabled.\nDerived table ${table}-derived already exists.\n`,
    );
  });

  it('serves the API from node dist/main.js, without sample data, and stops cleanly', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/main.js'], { cwd: ROOT, env: productionEnv({ TABLE_NAME: table, PORT: String(port) }), stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = `http://127.0.0.1:${port}`;
    let ready = false;
    for (let i = 0; i < 150 && !ready && child.exitCode === null; i++) {
      ready = await fetch(`${url}/ready`).then((r) => r.status === 200, () => false);
      if (!ready) await new Promise((r) => setTimeout(r, 200));
    }
    expect(stderr).toBe('');
    expect(ready).toBe(true);
    const call = caller(url);
    expect((await call('GET', '/health')).body).toEqual({ status: 'ok' });
    const session = await signUp({ call } as Api, 'compiled');
    expect((await call('GET', '/v1/users/compiled', { token: session.accessToken })).body).toMatchObject({ username: 'compiled', followers: 0 });
    // Production never seeds: the only user is the one just signed up.
    expect((await call('GET', '/v1/users/jacksonjason', { token: session.accessToken })).status).toBe(404);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });
});
