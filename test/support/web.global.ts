/**
 * Builds the web client once for the run, into a temporary directory that every browser test
 * serves (a build per file cost seconds each and proved nothing more).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    webDir: string;
  }
}

const WEB_CONFIG = new URL('../../web/vite.config.ts', import.meta.url).pathname;
let outDir: string | undefined;

export async function setup(project: TestProject): Promise<void> {
  outDir = await mkdtemp(join(tmpdir(), 'qp-web-'));
  await build({ configFile: WEB_CONFIG, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  project.provide('webDir', outDir);
}

export async function teardown(): Promise<void> {
  if (outDir) await rm(outDir, { recursive: true, force: true });
}
