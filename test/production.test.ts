/**
 * The production path, as CI runs it: the compiled service starts with `node <build>/main.js`
 * against an engine given by DYNAMODB_ENDPOINT; the table is made by the `table ensure` step
 * of the compiled CLI, never by the service on its own; a mistyped TABLE_NAME stops the service
 * in one line and creates nothing.
 *
 * The build is the run's (test/support/build.ts): TypeScript's per-file emit with the
 * build's compiler options, which is tsc's output under `isolatedModules`, laid out as dist/ and
 * kept apart from it, so no other test runs what `npm run build` left there. The type check is
 * `npm run check`'s; with the rootDir check below, the tests cover what `npm run build` checks.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEntry } from '../bin/entry.js';
import { deleteTable, describeTable } from '../src/admin/table.js';
import { freePort } from '../src/engine/embedded.js';
import { caller, signUp, type Api } from './http/support.js';
import { serviceBuild } from './support/build.js';
import { testClients, uniqueTableName } from './support/db.js';
import { engineEndpoint } from './support/engine.js';
import { waitUntilReady } from './support/wait.js';

const ROOT = new URL('..', import.meta.url).pathname;
const endpoint = engineEndpoint();
const { client } = testClients();
const table = uniqueTableName('prod');
const children: ChildProcess[] = [];
let dataDir: string;
const build = await serviceBuild();

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
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await deleteTable(client, table).catch(() => undefined);
  client.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

describe('production', () => {
  it('has the bin prefer a compiled CLI while it is up to date, and the sources otherwise', async () => {
    const root = await mkdtemp(join(tmpdir(), 'qp-bin-'));
    try {
      await mkdir(join(root, 'src/cli'), { recursive: true });
      await mkdir(join(root, 'dist/cli'), { recursive: true });
      await writeFile(join(root, 'src/cli/main.ts'), '');
      expect(cliEntry(root)).toEqual({ kind: 'tsx', path: join(root, 'src/cli/main.ts') });
      await writeFile(join(root, 'dist/cli/main.js'), '');
      const [older, newer] = [new Date('2026-01-01T00:00:00Z'), new Date('2026-01-02T00:00:00Z')];
      await utimes(join(root, 'src/cli/main.ts'), older, older);
      await utimes(join(root, 'dist/cli/main.js'), newer, newer);
      expect(cliEntry(root)).toEqual({ kind: 'compiled', path: join(root, 'dist/cli/main.js') });
      // A source edited after the build: the stale build is never run.
      await utimes(join(root, 'src/cli/main.ts'), newer, new Date('2026-01-03T00:00:00Z'));
      expect(cliEntry(root)).toEqual({ kind: 'tsx', path: join(root, 'src/cli/main.ts') });
      // An installed package ships no src/: the build is all there is.
      await rm(join(root, 'src'), { recursive: true });
      expect(cliEntry(root)).toEqual({ kind: 'compiled', path: join(root, 'dist/cli/main.js') });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('emits an entry point for the service and for the CLI', async () => {
    expect(await readdir(build)).toEqual(expect.arrayContaining(['main.js', 'cli']));
    expect(await readdir(join(build, 'cli'))).toContain('main.js');
  });

  // What tsc's rootDir (tsconfig.build.json) refuses and a per-file emit would not see: dist/
  // holds src/ only, so a module that reached outside it would be missing in production.
  it('builds from src/ alone: no module of src/ imports a file outside it', async () => {
    const src = join(ROOT, 'src');
    const outside: string[] = [];
    for (const file of (await readdir(src, { recursive: true })).filter((f) => f.endsWith('.ts'))) {
      const path = join(src, file);
      const { importedFiles } = ts.preProcessFile(await readFile(path, 'utf8'), true, true);
      for (const { fileName } of importedFiles) {
        if (fileName.startsWith('.') && !resolve(dirname(path), fileName).startsWith(`${src}/`)) outside.push(`${file}: ${fileName}`);
      }
    }
    expect(outside).toEqual([]);
  });

  it('refuses a table that does not exist in one line, and creates nothing', async () => {
    const mistyped = `${table}-typo`;
    const result = spawnSync(process.execPath, [join(build, 'main.js')], { cwd: ROOT, env: productionEnv({ TABLE_NAME: mistyped, PORT: String(await freePort()) }), encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`Table ${mistyped} does not exist; create it with \`quick-photos table ensure`);
    expect((await describeTable(client, mistyped)).exists).toBe(false);
  });

  it('creates the table, its index and TTL in the `table ensure` step, through the compiled CLI', async () => {
    const ensure = spawnSync(process.execPath, [join(build, 'cli/main.js'), 'table', 'ensure', '--endpoint', endpoint, '--table', table, '--json'], {
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
    const again = spawnSync(process.execPath, [join(build, 'cli/main.js'), 'table', 'ensure', '--endpoint', endpoint, '--table', table], { cwd: ROOT, env: { PATH: process.env.PATH }, encoding: 'utf8' });
    expect(again.stdout).toBe(
      `Table ${table} already exists.\nInvertedIndex already active.\nTTL already enabled on expiresAt.\nStream already enabled.\nDerived table ${table}-derived already exists.\n`,
    );
  });

  it('serves the API from the compiled main.js, without sample data, and stops cleanly', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(build, 'main.js')], { cwd: ROOT, env: productionEnv({ TABLE_NAME: table, PORT: String(port) }), stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const url = `http://127.0.0.1:${port}`;
    await waitUntilReady(child, url);
    expect(stderr).toBe('');
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
