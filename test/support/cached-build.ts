/**
 * A build kept between runs under node_modules/.cache, named by a hash of what it is made from:
 * a warm run (or one file run alone) reuses it until an input changes, and only the latest is
 * kept. Built in a directory of its own and renamed into place, so a reader never sees half of
 * one, and two runs making the same build at once both end with a whole one. The building
 * directory is named after its process: one a killed run left behind goes with the next build.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ownedDirectory } from '../../src/engine/owned-dirs.js';

const BUILDING = 'building-';

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
  for (const entry of await readdir(cache)) {
    if (entry !== hash && !entry.startsWith(BUILDING)) await rm(join(cache, entry), { recursive: true, force: true });
  }
  return outDir;
}
