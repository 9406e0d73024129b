/**
 * `npm start` on the embedded engine, as an operator meets it: a second service on the same
 * data directory is refused in one line while the CLI shares the first's engine; the JVM is
 * killed under the running service (it is restarted behind the same endpoint, data kept, and
 * /health tells the truth meanwhile); past the restart bound the service exits non-zero. The
 * service and the CLI run from the run's compiled build (test/support/build.ts): the same
 * src/main.ts at half the CPU of a tsx start; test/derived/npm-start.test.ts starts it as npm does.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/engine/embedded.js';
import { lockDirectory, LOCK_FILE } from '../../src/engine/lock.js';
import { readEngineInfo } from '../../src/engine/registry.js';
import { caller, signUp, type Api } from '../http/support.js';
import { compiledCli, compiledService } from '../support/build.js';
import { isAlive } from '../support/db.js';
import { javaDescendants } from '../support/sockets.js';
import { waitFor, waitUntilReady } from '../support/wait.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const dirs: string[] = [];
const processes: ChildProcess[] = [];

afterAll(async () => {
  for (const child of processes) child.kill('SIGKILL');
  await Promise.all(processes.map((child) => (child.exitCode === null && child.signalCode === null ? new Promise((r) => child.once('exit', r)) : Promise.resolve())));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function serviceEnv(dataDir: string, port: number, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // No sample data: this story is about the engine's lifecycle (test/derived/npm-start.test.ts starts with it).
  return { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'fatal', RATE_LIMIT_AUTH: '0', RATE_LIMIT_WRITES: '0', SAMPLE_DATA: '0', ...extra };
}

async function startService(dataDir: string, extra: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string; exit: Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(process.execPath, [await compiledService()], { cwd: ROOT, env: serviceEnv(dataDir, port, extra), stdio: ['ignore', 'ignore', 'pipe'] });
  processes.push(child);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(child, url);
  return { child, url, exit };
}

async function status(url: string): Promise<number> {
  return fetch(url).then((r) => r.status, () => 0);
}

/** Whether `condition` came true within the bound (false, not a throw: the caller asserts). */
const until = (condition: () => Promise<boolean>, timeoutMs: number): Promise<boolean> =>
  waitFor(condition, { what: 'the service state', timeoutMs, intervalMs: 100 }).then(
    () => true,
    () => condition(),
  );

describe('npm start on the embedded engine', () => {
  // One service for the whole story (a start is slow on a loaded machine).
  it('shares its engine with the CLI, refuses a second service, survives a killed JVM once, and exits 70 when it cannot', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'qp-svc-'));
    dirs.push(dataDir);
    // One restart allowed: the first crash is survived, the second is not.
    const { child, url, exit } = await startService(dataDir, { EMBEDDED_ENGINE_MAX_RESTARTS: '1' });
    const call = caller(url);
    const { accessToken: token } = await signUp({ call } as Api, 'keeper');
    const endpoint = (await readEngineInfo(dataDir))?.endpoint;
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await status(`${url}/health`)).toBe(200);

    // A second service on the same data directory is refused in one line, naming the holder...
    const second = spawnSync(process.execPath, [await compiledService()], {
      cwd: ROOT,
      env: serviceEnv(dataDir, await freePort()),
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr.trim().split('\n')).toHaveLength(1);
    expect(second.stderr).toContain(`is in use by another quick-photos (pid ${child.pid})`);

    // ...while the CLI uses the running service's engine (src/engine/registry.ts).
    const cli = spawnSync(process.execPath, [await compiledCli(), 'user', 'get', 'keeper', '--json'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, DATA_DIR: dataDir },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(cli.stderr).toBe('');
    expect(JSON.parse(cli.stdout)).toMatchObject({ username: 'keeper', name: 'Name of keeper' });

    // kill -9 of the JVM: restarted behind the same endpoint, /health honest meanwhile.
    const [jvm] = javaDescendants(child.pid!);
    expect(jvm).toBeDefined();
    process.kill(jvm!, 'SIGKILL');
    // While the engine is down (a restart takes seconds) /health must not claim all is well.
    expect(await until(async () => (await status(`${url}/health`)) === 503, 10_000)).toBe(true);
    const down = await call('GET', '/health');
    expect(down.body).toMatchObject({ error: { code: 'ENGINE_UNAVAILABLE' } });

    expect(await until(async () => (await status(`${url}/health`)) === 200, 90_000)).toBe(true);
    const [replacement] = javaDescendants(child.pid!);
    expect(replacement).toBeDefined();
    expect(replacement).not.toBe(jvm);
    expect(isAlive(jvm!)).toBe(false);
    // Same endpoint for every client; the account written before the crash is still there.
    expect((await readEngineInfo(dataDir))?.endpoint).toBe(endpoint);
    const profile = await waitFor(
      async () => {
        const answer = await call('GET', '/v1/users/keeper', { token });
        return answer.status === 200 && answer;
      },
      { what: 'the profile to be served again', intervalMs: 300 },
    );
    expect(profile.body).toMatchObject({ username: 'keeper', name: 'Name of keeper' });
    expect((await call('PATCH', '/v1/users/keeper', { token, json: { name: 'Renamed Keeper' } })).status).toBe(200);

    // A second crash within the minute exhausts the restarts: the service exits non-zero, so a
    // process manager restarts it, rather than answering 503 forever; no JVM is left behind.
    process.kill(replacement!, 'SIGKILL');
    // The test's own timeout bounds this wait.
    expect(await exit).toBe(70);
    expect(javaDescendants(child.pid!)).toEqual([]);
  }, 280_000);
});

describe('the data directory lock', () => {
  it('refuses a live holder and takes over a stale lock', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qp-lock-'));
    dirs.push(dir);
    // A live holder: a process that sleeps.
    const holder = spawn('sleep', ['30']);
    processes.push(holder);
    await writeFile(join(dir, LOCK_FILE), `${holder.pid}\n`);
    await expect(lockDirectory(dir)).rejects.toThrow(`in use by another quick-photos (pid ${holder.pid})`);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    // Its pid is gone: the lock is stale and taken over.
    const lock = await lockDirectory(dir);
    await expect(lockDirectory(dir)).rejects.toThrow(`pid ${process.pid}`);
    await lock.release();
    // A live pid that is not the process that took the lock (the pid was reused): stale too.
    await writeFile(join(dir, LOCK_FILE), `${process.pid} 1\n`);
    await (await lockDirectory(dir)).release();
  });
});
