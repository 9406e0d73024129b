/**
 * A build kept between runs under node_modules/.cache, named by a hash of what it is made from:
 * a warm run (or one file run alone) reuses it until an input changes. A new build removes the
 * builds older than an hour, never a recent one: a source edited during a run made another
 * worker's next build delete the one a process of this run was still running from. Built in a
 * directory of its own and renamed into place, so a reader never sees half of one, and two runs
 * making the same build at once both end with a whole one. The building directory is named
 * after its process: one a killed run left behind goes with the next build.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ownedDirectory } from '../../src/engine/owned-dirs.js';

const BUILDING = 'building-';
/** How long an older build is kept after a newer one: longer than any run. */
const KEPT_MS = 60 * 60_000;

/** The build of `hash` in `cache` (`made` is a file a whole build has), made by `make` when missing. */
export async function cachedBuild(cache: string, hash: string, made: string, make: (dir: string) => Promise<void>): Promise<string> {
  const outDir = join(cache, hash);
  if (existsSync(join(outDir, made))) return outDir;
  await mkdir(cache, { recursive: true });
  const building = await ownedDirectory(cache, BUILDING);
  try {
    await make(building);
    // Another run may have finished the same build meanwhile: either copy serves.
    await rename(building, outDir).catch(() => rm(building, { recursive: true, force: true }));
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    throw error;
  }
  const before = Date.now() - KEPT_MS;
  for (const entry of await readdir(cache)) {
    if (entry === hash || entry.startsWith(BUILDING)) continue;
    const builtAt = await stat(join(cache, entry)).then((s) => s.mtimeMs, () => 0);
    if (builtAt < before) await rm(join(cache, entry), { recursive: true, force: true });
  }
  return outDir;
}
