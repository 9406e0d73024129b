/**
 * A Chromium per vitest worker, started beside the engines: a browser test file connects to its
 * worker's (test/web/support.ts) instead of launching one of its own, and works in browser
 * contexts of its own (cookies, storage and cache are per context). A file's `browser.close()`
 * ends its connection and the contexts it made, not the browser. Per worker, not one for the
 * run: files side by side never queue behind each other in one browser process. A run of named
 * files none of which is a browser test starts none; without Chromium, the files that need it
 * say so when they start.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserServer } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { CHROMIUM, CHROMIUM_LAUNCH } from './chromium.js';
import { TEST_WORKERS } from './workers.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One Chromium per worker (test/web/support.ts picks this worker's); none when the run needs none. */
    browserEndpoints: string[];
    /** The browsers' process ids, in the same order (TEST_CPU_LOG attributes their CPU to files). */
    browserPids: number[];
  }
}

let servers: BrowserServer[] = [];

/** How many browsers the run needs: none when the command line names test files and none drives a browser. */
function browsersNeeded(): number {
  const args = process.argv.slice(2).filter((arg) => arg !== 'run');
  if (args.length === 0 || !args.every((arg) => arg.endsWith('.test.ts') && existsSync(arg))) return TEST_WORKERS;
  return Math.min(TEST_WORKERS, args.filter((arg) => /(^|\/)test\/web\//.test(arg)).length);
}

export async function setup(project: TestProject): Promise<void> {
  const count = existsSync(CHROMIUM) ? browsersNeeded() : 0;
  // Vitest's own signal handling stops the run (and so calls teardown); Playwright's would exit first.
  const options = { ...CHROMIUM_LAUNCH, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false };
  const started = await Promise.allSettled(Array.from({ length: count }, () => chromium.launchServer(options)));
  servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    await teardown();
    throw failed.reason;
  }
  project.provide(
    'browserEndpoints',
    servers.map((server) => server.wsEndpoint()),
  );
  project.provide(
    'browserPids',
    servers.map((server) => server.process().pid ?? 0),
  );
}

export async function teardown(): Promise<void> {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
}
