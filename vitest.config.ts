import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { TEST_WORKERS } from './test/support/workers.js';

/**
 * The lab's dataset lives beside the checkout, never in it. Without it the files that read it
 * (they name REFERENCE_ITEMS) are left out with one line saying so, and the rest still run.
 */
function filesNeedingMissingReference(): string[] {
  if (existsSync(new URL('../shared/reference/quick-photos-items.json', import.meta.url))) return [];
  const files = readdirSync('test', { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => join('test', file))
    .filter((file) => readFileSync(file, 'utf8').includes('REFERENCE_ITEMS'));
  process.stderr.write(`../shared/reference/ is missing: skipping the ${files.length} test files that need the lab's data (${files.join(', ')})\n`);
  return files;
}

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...filesNeedingMissingReference()],
    // Files run side by side, each worker on a DynamoDB Local of its own (engine.global.ts);
    // each file isolates itself further with tables, buckets and directories of its own.
    // A Chromium per worker (browser.global.ts): browser test files connect to theirs.
    globalSetup: ['test/support/engine.global.ts', 'test/support/s3.global.ts', 'test/support/web.global.ts', 'test/support/browser.global.ts'],
    pool: 'forks',
    // A worker loads the module graph (SDK, Fastify, sharp) once, not once per file: files share
    // no state through modules (each builds its own app, table, bucket and directories), and
    // loading it again for each file cost more than a third of the run.
    isolate: false,
    maxWorkers: TEST_WORKERS,
    // Generous: on 2 shared cores a whole-suite run slows single tests several-fold.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // expect.poll waits for a condition, never a duration: its default bound (1 s) is a timing
    // assumption that a whole-suite run on 2 shared cores breaks (a page's first render took longer).
    expect: { poll: { timeout: 15_000 } },
    // Transformed modules kept on disk between runs (keyed by their content): a warm run
    // transforms only the files that changed. Under node_modules/, so a fresh clone starts cold.
    experimental: { fsModuleCache: true, fsModuleCachePath: 'node_modules/.cache/vitest-modules' },
    reporters: ['default', './test/support/summary-reporter.ts'],
    // TEST_CPU_LOG=<file>: each file's worker CPU, one line a file (test/support/cpu-per-file.ts).
    setupFiles: process.env.TEST_CPU_LOG ? ['test/support/cpu-per-file.ts'] : [],
  },
});
