/**
 * One engine per data directory. DynamoDB Local opening files another engine holds blocks on
 * file locks for minutes, so the second `npm start` is refused at once, in one line.
 *
 * The lock is a file created exclusively, holding the owner's pid and, on Linux, the start
 * time of that process. A lock whose process is gone (a service killed with SIGKILL, a reboot
 * that handed the pid to something else) is stale and taken over.
 */
import { readFileSync } from 'node:fs';
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

/** When a process started (clock ticks since boot, /proc/<pid>/stat field 22); undefined off Linux. */
function startTime(pid: number): string | undefined {
  try {
    // The command name (field 2) may contain spaces and parentheses: count from its end.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

async function holder(path: string): Promise<{ pid: number; started: string | undefined } | undefined> {
  try {
    const [pidText = '', started] = (await readFile(path, 'utf8')).trim().split(/\s+/);
    const pid = Number.parseInt(pidText, 10);
    return Number.isInteger(pid) && pid > 0 ? { pid, started } : undefined;
  } catch {
    return undefined;
  }
}

/** The lock's process still runs (the same process, not a later one given the same pid). */
function holderAlive(owner: { pid: number; started: string | undefined }): boolean {
  if (!processAlive(owner.pid)) return false;
  const now = startTime(owner.pid);
  return owner.started === undefined || now === undefined || now === owner.started;
}

/** Takes `<dir>/quick-photos.lock` or throws an EngineStartError naming the holder. */
export async function lockDirectory(dir: string, pid: number = process.pid): Promise<DirectoryLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  // Written whole under a private name, then linked: link() fails if the lock exists, and a
  // reader never sees a lock without its pid.
  const temporary = `${path}.${pid}.${Date.now()}`;
  await writeFile(temporary, `${pid} ${startTime(pid) ?? ''}`.trim() + '\n');
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await link(temporary, path);
        return {
          path,
          async release() {
            if ((await holder(path))?.pid === pid) await rm(path, { force: true });
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = await holder(path);
      if (owner !== undefined && holderAlive(owner)) {
        throw new EngineStartError(
          `The data directory ${dir} is in use by another quick-photos (pid ${owner.pid}); stop it first, or set DATA_DIR to another directory.`,
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
