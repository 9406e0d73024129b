/**
 * Temporary directories named after the process that owns them (`<prefix><pid>-XXXXXX`). A
 * process killed with SIGKILL cannot remove its own; the next one made with the same prefix
 * removes every directory whose owner is gone, so they cannot pile up across crashes.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { processAlive } from './lock.js';

/** A new directory owned by this process in `base`, after removing those of dead owners there. */
export async function ownedDirectory(base: string, prefix: string): Promise<string> {
  const dir = await mkdtemp(join(base, `${prefix}${process.pid}-`));
  await removeAbandoned(base, prefix);
  return dir;
}

async function removeAbandoned(base: string, prefix: string): Promise<void> {
  for (const name of await readdir(base).catch(() => [] as string[])) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number.parseInt(name.slice(prefix.length), 10);
    if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) await rm(join(base, name), { recursive: true, force: true });
  }
}
