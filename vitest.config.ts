import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import LongFirstSequencer from './test/support/sequencer.js';
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

/**
 * Files whose image processes run at SCHED_IDLE or nice 19 and wait for them: on two cores
 * saturated by the other files, such a process gets next to no CPU (its weight is 3 or 15
 * against 1,024), so their wait depended on the machine. They run last, on their own, when
 * the cores are free, as a second group (`sequence.groupOrder`).
 */
const QUIET_FILES = ['test/media/isolated.test.ts', 'test/media/store-in-process.test.ts'];
const excluded = ['**/node_modules/**', ...filesNeedingMissingReference()];

export default defineConfig({
  test: {
    pool: 'forks',
    // V8's garbage collector on the worker's own thread: its helper threads only compete for two
    // cores that the run keeps busy. test/http/ in four alternating pairs: less CPU in every pair,
    // 5% on average (README, Tests).
    execArgv: ['--single-threaded-gc'],
    // A worker loads the module graph (SDK, Fastify, sharp) once, not once per file: files share
    // no state through modules (each builds its own app, table, bucket and directories), and
    // loading it again for each file cost more than a third of the run.
    isolate: false,
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
    // Long files first, also on a fresh clone, which has no recorded durations (test/support/sequencer.ts).
    sequence: { sequencer: LongFirstSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: [...excluded, ...QUIET_FILES],
          // Files run side by side, each worker on a DynamoDB Local of its own (engine.global.ts);
          // each file isolates itself further with tables, buckets and directories of its own.
          // A Chromium per worker, launched by its first browser file (test/web/support.ts).
          globalSetup: ['test/support/engine.global.ts', 'test/support/s3.global.ts', 'test/support/web.global.ts'],
          maxWorkers: TEST_WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'quiet',
          include: QUIET_FILES,
          exclude: excluded,
          globalSetup: ['test/support/engine.global.ts', 'test/support/s3.global.ts'],
          maxWorkers: Math.min(2, TEST_WORKERS),
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
