/**
 * How many test files run at once. The files wait on DynamoDB Local, s3rver, child processes
 * and Chromium, so more than one worker keeps two cores busy; each worker gets an engine and a
 * browser of its own (engine.global.ts; the browser: test/web/support.ts). Three, not four: on
 * two cores the same run cost 872 CPU s in four workers and 727 s in three (668 s in two),
 * every process slower for the others beside it, and took 499 s against 425 s (442 s)
 * (README, Tests).
 * TEST_WORKERS overrides (1 runs files in turn).
 * A run of files named on the command line (`npx vitest run test/a.test.ts`) starts no more
 * workers, and so no more engines, than it has files.
 */
import { existsSync } from 'node:fs';

const DEFAULT_WORKERS = 3;
const requested = Number(process.env.TEST_WORKERS ?? DEFAULT_WORKERS);
const configured = Number.isInteger(requested) && requested >= 1 && requested <= 8 ? requested : DEFAULT_WORKERS;

/** The number of test files named on the command line, when every argument names one. */
function namedFiles(): number | undefined {
  const args = process.argv.slice(2).filter((arg) => arg !== 'run');
  if (args.length === 0 || !args.every((arg) => arg.endsWith('.test.ts') && existsSync(arg))) return undefined;
  return args.length;
}

export const TEST_WORKERS = Math.min(configured, namedFiles() ?? configured);

/** This worker's number, from 1: vitest's VITEST_POOL_ID, which a worker keeps for the whole run. */
export const WORKER_NUMBER = Number(process.env.VITEST_POOL_ID ?? 1);

/** This worker's own one of the run's per-worker resources (engines, browsers), or undefined when there are none. */
export function ofThisWorker<T>(perWorker: readonly T[]): T | undefined {
  return perWorker.length === 0 ? undefined : perWorker[(WORKER_NUMBER - 1) % perWorker.length];
}
