/**
 * How many test files run at once. The files wait on DynamoDB Local, s3rver, child processes
 * and Chromium far more than they compute, so three workers keep two cores busy; each worker
 * gets an engine of its own (engine.global.ts). TEST_WORKERS overrides (1 runs files in turn).
 */
const requested = Number(process.env.TEST_WORKERS ?? 3);
export const TEST_WORKERS = Number.isInteger(requested) && requested >= 1 && requested <= 8 ? requested : 3;
