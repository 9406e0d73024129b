/**
 * One engine per data directory. DynamoDB Local opening files another engine holds blocks on
 * file locks for minutes, so the second `npm start` is refused at once, in one line.
 *
 * The lock is a file created exclusively, holding the owner's pid. A lock whose pid is gone
 * (a service killed with SIGKILL, a reboot) is stale and taken over.
 */
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EngineStartError } from './errors.js';

export const LOCK_FILE = 'quick-photos.lock';

export interface DirectoryLock {
  readonly path: string;
  release(): Promise<void>;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function holder(path: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Takes `<dir>/quick-photos.lock` or throws an EngineStartError naming the holder. */
export async function lockDirectory(dir: string, pid: number = process.pid): Promise<DirectoryLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  // Written whole under a private name, then linked: link() fails if the lock exists, and a
  // reader never sees a lock without its pid.
  const temporary = `${path}.${pid}.${Date.now()}`;
  await writeFile(temporary, `${pid}\n`);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await link(temporary, path);
        return {
          path,
          async release() {
            if ((await holder(path)) === pid) await rm(path, { force: true });
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = await holder(path);
      if (owner !== undefined && processAlive(owner)) {
        throw new EngineStartError(
          `The data directory ${dir} is in use by another quick-photos (pid ${owner}); stop it first, or set DATA_DIR to another directory.`,
        );
      }
      // Stale (its owner is gone) or unreadable: take it over.
      await rm(path, { force: true });
    }
    throw new EngineStartError(`Could not lock the data directory ${dir}; another process keeps taking it.`);
  } finally {
    await rm(temporary, { force: true });
  }
}
