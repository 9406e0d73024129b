/**
 * Starts the run's DynamoDB Local engines, in memory: one per worker of the project, so that the
 * files running side by side never queue behind each other's transactions (DynamoDB Local
 * applies transactions one at a time). DYNAMODB_ENDPOINT names an engine already running
 * instead: then every worker shares it.
 */
import type { TestProject } from 'vitest/node';
import { startEmbeddedEngine, type EmbeddedEngine } from '../../src/engine/embedded.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** One endpoint per worker (test/support/engine.ts picks this worker's). */
    dynamodbEndpoints: string[];
    /** The engines' process ids, in the same order (TEST_CPU_LOG attributes their CPU to files). */
    enginePids: number[];
    /** Their Unix sockets, in the same order ('' for none): test clients connect there, not through the TCP front in this process. */
    dynamodbSockets: string[];
  }
}

/** A JVM starting on a machine busy with other runs can take far longer than the service's 30 s. */
const START_TIMEOUT_MS = 120_000;
let engines: EmbeddedEngine[] = [];

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.DYNAMODB_ENDPOINT;
  if (external) {
    project.provide('dynamodbEndpoints', [external]);
    project.provide('enginePids', []);
    project.provide('dynamodbSockets', []);
    return;
  }
  const started = await Promise.allSettled(Array.from({ length: project.config.maxWorkers }, () => startEmbeddedEngine({ startTimeoutMs: START_TIMEOUT_MS })));
  engines = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed) {
    // Said here as well: with its module cache on (experimental.fsModuleCache), vitest's report
    // of an error thrown in global set-up failed on the error's stack ("code.charCodeAt is not a
    // function") and never printed the message, such as the one line on a missing Java.
    process.stderr.write(`The test engines did not start: ${failed.reason instanceof Error ? failed.reason.message : String(failed.reason)}\n`);
    await teardown();
    throw failed.reason;
  }
  project.provide(
    'dynamodbEndpoints',
    engines.map((engine) => engine.endpoint),
  );
  project.provide(
    'enginePids',
    engines.map((engine) => engine.pid),
  );
  project.provide(
    'dynamodbSockets',
    engines.map((engine) => engine.socketPath ?? ''),
  );
}

export async function teardown(): Promise<void> {
  await Promise.all(engines.map((engine) => engine.stop()));
  engines = [];
}
