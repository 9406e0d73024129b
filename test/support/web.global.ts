/**
 * Builds the web client once for the run, for every browser test to serve (a build per file
 * cost seconds each and proved nothing more). The build is kept under node_modules/.cache by a
 * hash of everything it is made from (cached-build.ts): a warm checkout (or one test file run
 * alone) reuses it until a source changes.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';
import { cachedBuild } from './cached-build.js';

declare module 'vitest' {
  export interface ProvidedContext {
    webDir: string;
  }
}

const ROOT = new URL('../../', import.meta.url).pathname;
const WEB_CONFIG = join(ROOT, 'web/vite.config.ts');
const CACHE = join(ROOT, 'node_modules/.cache/web-test-build');
/** What the build reads: the app, the generated client it imports, and the locked packages. */
const INPUTS = ['web', 'client/src', 'package-lock.json', 'tsconfig.json'];

async function filesUnder(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  const entries = await readdir(path, { withFileTypes: true, recursive: true }).catch(() => undefined);
  if (entries === undefined) return [path]; // a file
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function inputsHash(): Promise<string> {
  const hash = createHash('sha256');
  const files = (await Promise.all(INPUTS.map((input) => filesUnder(join(ROOT, input))))).flat().filter((file) => !file.includes('/node_modules/'));
  for (const file of files.sort()) hash.update(relative(ROOT, file)).update('\0').update(await readFile(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

export async function setup(project: TestProject): Promise<void> {
  const make = async (dir: string): Promise<void> => void (await build({ configFile: WEB_CONFIG, logLevel: 'error', build: { outDir: dir, emptyOutDir: true } }));
  project.provide('webDir', await cachedBuild(CACHE, await inputsHash(), 'index.html', make));
}
