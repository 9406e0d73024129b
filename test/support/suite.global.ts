/**
 * The suite project's global set-up: the engines, the S3 server, the web client's build and the
 * browsers, started at once rather than in turn (vitest runs a project's set-up files one after
 * another, and the first test file waited for the sum). Each part keeps its own file; a part
 * that fails to start ends the others. What it started is published for the quiet project
 * (quiet.global.ts), whose files run after these, on the same engines and S3 server.
 */
import type { TestProject } from 'vitest/node';
import * as browsers from './browser.global.js';
import * as engines from './engine.global.js';
import * as s3 from './s3.global.js';
import { publishServices, reportStartFailure } from './services.js';
import * as web from './web.global.js';

interface Part {
  setup(project: TestProject): Promise<void>;
  teardown?(): Promise<void>;
}

const PARTS: Part[] = [engines, s3, web, browsers];

export async function setup(project: TestProject): Promise<void> {
  const started = await Promise.allSettled(PARTS.map((part) => part.setup(project)));
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    reportStartFailure(failed.reason);
    await teardown();
    throw failed.reason;
  }
  publishServices(project);
}

export async function teardown(): Promise<void> {
  await Promise.allSettled(PARTS.map((part) => part.teardown?.() ?? Promise.resolve()));
}
