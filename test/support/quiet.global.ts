/**
 * The quiet project's global set-up (vitest.config.ts): the suite project's engines and S3
 * server when it ran first in this process (suite.global.ts publishes them; vitest sets up
 * projects in turn, before any file), otherwise, as when a quiet file runs alone, its own.
 */
import type { TestProject } from 'vitest/node';
import * as engines from './engine.global.js';
import * as s3 from './s3.global.js';
import { reportStartFailure, sharedServices } from './services.js';

let own = false;

export async function setup(project: TestProject): Promise<void> {
  const shared = sharedServices();
  if (shared) {
    project.provide('dynamodbEndpoints', shared.dynamodbEndpoints);
    project.provide('enginePids', shared.enginePids);
    project.provide('dynamodbSockets', shared.dynamodbSockets);
    project.provide('s3Endpoint', shared.s3Endpoint);
    return;
  }
  own = true;
  const started = await Promise.allSettled([engines.setup(project), s3.setup(project)]);
  const failed = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    reportStartFailure(failed.reason);
    await teardown();
    throw failed.reason;
  }
}

export async function teardown(): Promise<void> {
  if (own) await Promise.allSettled([engines.teardown(), s3.teardown()]);
}
