/**
 * Builds the web client once for the run, for every browser test to serve (a build per file
 * cost seconds each and proved nothing more). The build is kept under node_modules/.cache by a
 * hash of everything it is made from (cached-build.ts): a warm checkout (or one test file run
 * alone) reuses it until a source changes.
 *
 * Built as `npm run build:web` builds it, in a process of its own with NODE_ENV=production:
 * inside vitest (NODE_ENV=test) the build took Preact's development JSX, which put every
 * module's absolute source path into the bundle and made it a third larger than what ships,
 * so the first screen's script budget (test/web/journey.test.ts) was measured on the wrong
 * build, and its size depended on where the checkout lives.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
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
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');
/** What the build reads: the app, the generated client it imports, and the locked packages. */
const INPUTS = ['web', 'client/src', 'package-lock.json', 'tsconfig.json'];

async function filesUnder(path: string): Promise<string[]> {
  if (!existsSync(path)) return [];
  const entries = await readdir(path, { withFileTypes: true, recursive: true }).catch(() => undefined);
  if (entries === undefined) return [path]; // a file
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

async function inputsHash(): Promise<string> {
  // The mode is part of what the build is made from: a development build cached before is not reused.
  const hash = createHash('sha256').update('production\0');
  const files = (await Promise.all(INPUTS.map((input) => filesUnder(join(ROOT, input))))).flat().filter((file) => !file.includes('/node_modules/'));
  for (const file of files.sort()) hash.update(relative(ROOT, file)).update('\0').update(await readFile(file)).update('\0');
  return hash.digest('hex').slice(0, 16);
}

export async function setup(project: TestProject): Promise<void> {
  const make = (dir: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const args = [VITE, 'build', '--config', WEB_CONFIG, '--outDir', dir, '--emptyOutDir', '--logLevel', 'error'];
      const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let errors = '';
      child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`the web build failed (${code}):\n${errors}`))));
    });
  project.provide('webDir', await cachedBuild(CACHE, await inputsHash(), 'index.html', make));
}
