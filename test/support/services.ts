/**
 * The run's shared services (engines, S3 server) as the suite project provided them, kept in
 * the main process for the quiet project (quiet.global.ts): its files run after the suite's,
 * when those engines are idle, so starting engines of its own only delayed the first test.
 */
import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';

export type SharedServices = Pick<ProvidedContext, 'dynamodbEndpoints' | 'enginePids' | 'dynamodbSockets' | 's3Endpoint'>;

const KEY = Symbol.for('quick-photos.test-services');
const registry = globalThis as { [KEY]?: SharedServices };

export function publishServices(project: TestProject): void {
  const { dynamodbEndpoints, enginePids, dynamodbSockets, s3Endpoint } = project.getProvidedContext();
  registry[KEY] = { dynamodbEndpoints, enginePids, dynamodbSockets, s3Endpoint };
}

/** What the suite project published, when it runs in this process. */
export function sharedServices(): SharedServices | undefined {
  return registry[KEY];
}

/**
 * Says why a service did not start, on stderr, before vitest reports the error: with its module
 * cache (vitest.config.ts, experimental.fsModuleCache) on, vitest's report of an error thrown in
 * global set-up failed on the error's stack ("code.charCodeAt is not a function") and never
 * printed its message, such as the one line on a missing Java.
 */
export function reportStartFailure(reason: unknown): void {
  process.stderr.write(`The test services did not start: ${reason instanceof Error ? reason.message : String(reason)}\n`);
}
