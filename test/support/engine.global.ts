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

/**
 * The run's engines, shared by the projects' set-ups (both run in this one process, each with a
 * module of its own): the quiet files run after the suite's (`sequence.groupOrder`), so they use
 * the first of its engines instead of two more JVMs that would start first and then idle.
 */
interface Shared {
  engines: EmbeddedEngine[];
  /** Set-ups not yet torn down: the last one stops the engines. */
  users: number;
  /** One start at a time, so that a second set-up counts what the first one started. */
  starting: Promise<unknown>;
}
const SHARED = Symbol.for('quick-photos.test-engines');
const registry = globalThis as { [SHARED]?: Shared };
const shared = (registry[SHARED] ??= { engines: [], users: 0, starting: Promise.resolve() });

export async function setup(project: TestProject): Promise<void> {
  const external = process.env.DYNAMODB_ENDPOINT;
  if (external) {
    project.provide('dynamodbEndpoints', [external]);
    project.provide('enginePids', []);
    project.provide('dynamodbSockets', []);
    return;
  }
  shared.users += 1;
  const wanted = project.config.maxWorkers;
  // As many as the widest project wants, started side by side by the first set-up.
  const widest = Math.max(wanted, ...project.vitest.projects.map((each) => each.config.maxWorkers));
  const start = shared.starting.then(async () => {
    const results = await Promise.allSettled(Array.from({ length: Math.max(0, widest - shared.engines.length) }, () => startEmbeddedEngine({ startTimeoutMs: START_TIMEOUT_MS })));
    shared.engines.push(...results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])));
    return results;
  });
  shared.starting = start;
  const started = await start;
  const engines = shared.engines.slice(0, wanted);
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
  shared.users -= 1;
  if (shared.users > 0) return;
  const engines = shared.engines;
  shared.engines = [];
  await Promise.all(engines.map((engine) => engine.stop()));
}
