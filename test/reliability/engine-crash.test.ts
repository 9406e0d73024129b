/**
 * SIGKILL of the whole service: no JVM may outlive it, and what it wrote to the embedded
 * engine's files is there after a restart.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import { createClients } from '../../src/engine/client.js';
import { startEmbeddedEngine } from '../../src/engine/embedded.js';
import { createCursorCodec } from '../../src/patterns/cursor.js';
import { getUser } from '../../src/patterns/index.js';
import { compiledModule } from '../support/build.js';
import { isAlive } from '../support/db.js';
import { waitFor } from '../support/wait.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});


/** The JVMs among a process's children (the supervisor also runs `cat` on its stdin). */
const javaChildrenOf = (pid: number): number[] => {
  try {
    return execFileSync('pgrep', ['-P', String(pid), 'java'], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

/** Whether `condition` came true within the bound (false, not a throw: the caller asserts). */
const until = (condition: () => boolean, timeoutMs: number): Promise<boolean> =>
  waitFor(condition, { what: 'the engine state', timeoutMs, intervalMs: 100 }).then(
    () => true,
    () => condition(),
  );

// The "service": starts the engine on disk, creates a table and a user through the access
// patterns, reports the engine's processes, then idles until it is killed.
// The run's compiled modules (test/support/build.ts): a tsx start cost twice the CPU.
const SERVICE = `
import { startEmbeddedEngine } from '${await compiledModule('engine/embedded.ts')}';
import { createClients } from '${await compiledModule('engine/client.ts')}';
import { ensureTable } from '${await compiledModule('admin/table.ts')}';
import { createCursorCodec } from '${await compiledModule('patterns/cursor.ts')}';
import { createUser } from '${await compiledModule('patterns/users.ts')}';
const engine = await startEmbeddedEngine({ dbPath: process.argv[1] });
const { client, doc } = createClients({ endpoint: engine.endpoint, local: true });
await ensureTable(client, 'crash');
await createUser({ doc, table: 'crash', cursors: createCursorCodec('x'.repeat(32)) },
  { username: 'survivor', name: 'Still Here', email: 's@example.com', birthdate: '2000-01-01' });
console.log(JSON.stringify({ supervisor: engine.pid }));
setInterval(() => {}, 1000);
`;

describe('the embedded engine when the service is killed', () => {
  it('leaves no JVM behind and keeps the data for the next start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qp-crash-'));
    dirs.push(dir);
    const service = spawn(process.execPath, ['--input-type=module', '-e', SERVICE, dir], {
      cwd: new URL('../..', import.meta.url).pathname,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const first = await new Promise<string>((resolve, reject) => {
        createInterface({ input: service.stdout }).once('line', resolve);
        service.once('exit', (code) => reject(new Error(`service exited early (${code})`)));
      });
      const { supervisor } = JSON.parse(first) as { supervisor: number };
      const jvms = javaChildrenOf(supervisor);
      expect(jvms.length).toBe(1);

      service.kill('SIGKILL');
      expect(await until(() => !isAlive(supervisor) && jvms.every((pid) => !isAlive(pid)), 15_000)).toBe(true);
    } finally {
      // Whatever failed above, the service must not outlive the test.
      service.kill('SIGKILL');
    }

    const engine = await startEmbeddedEngine({ dbPath: dir });
    try {
      const { client, doc } = createClients({ endpoint: engine.endpoint, local: true });
      const user = await getUser({ doc, table: 'crash', cursors: createCursorCodec('x'.repeat(32)) }, 'survivor');
      expect(user.name).toBe('Still Here');
      client.destroy();
    } finally {
      await engine.stop();
    }
  }, 60_000);
});
