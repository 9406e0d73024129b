import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One DynamoDB Local for the whole run (a JVM per file would crawl on 2 cores);
    // each test file isolates itself with tables of its own.
    globalSetup: ['test/support/engine.global.ts', 'test/support/s3.global.ts'],
    // Generous: on 2 shared cores a whole-suite run slows single tests several-fold.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
