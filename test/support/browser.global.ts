/**
 * One Chromium for the run, started beside the engines: every browser test file connects to
 * it (test/web/support.ts) instead of launching one of its own, and works in browser contexts
 * of its own (cookies, storage and cache are per context). A file's `browser.close()` ends its
 * connection and the contexts it made, not the browser. A run of named files none of which is
 * a browser test starts none; without Chromium, the files that need it say so when they start.
 */
import { existsSync } from 'node:fs';
import { chromium, type BrowserServer } from 'playwright-core';
import type { TestProject } from 'vitest/node';
import { CHROMIUM, CHROMIUM_LAUNCH } from './chromium.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's Chromium, or '' when the run needs none (or there is none). */
    browserEndpoint: string;
  }
}

let server: BrowserServer | undefined;

/** Whether the command line names test files and none of them drives a browser. */
function noBrowserTests(): boolean {
  const args = process.argv.slice(2).filter((arg) => arg !== 'run');
  return args.length > 0 && args.every((arg) => arg.endsWith('.test.ts') && existsSync(arg) && !/(^|\/)test\/web\//.test(arg));
}

export async function setup(project: TestProject): Promise<void> {
  if (noBrowserTests() || !existsSync(CHROMIUM)) {
    project.provide('browserEndpoint', '');
    return;
  }
  server = await chromium.launchServer(CHROMIUM_LAUNCH);
  project.provide('browserEndpoint', server.wsEndpoint());
}

export async function teardown(): Promise<void> {
  await server?.close();
  server = undefined;
}
