import { defineConfig } from 'vitest/config';
import { TEST_WORKERS } from './test/support/workers.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Files run side by side, each worker on a DynamoDB Local of its own (engine.global.ts);
    // each file isolates itself further with tables, buckets and directories of its own.
    globalSetup: ['test/support/engine.global.ts', 'test/support/s3.global.ts', 'test/support/web.global.ts'],
    pool: 'forks',
    maxWorkers: TEST_WORKERS,
    // Generous: on 2 shared cores a whole-suite run slows single tests several-fold.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
