/**
 * The order test files start in. Vitest's own sequencer starts the longest first, by the
 * durations it recorded in earlier runs (under node_modules/.vite). A fresh clone, as in CI,
 * has none: it then starts the largest files first, so the small files that run long came
 * last and ran alone at the end of the run (the stream worker on the lab's data: 50 s, the
 * last 16 s of a whole run by itself). Without a recorded duration, these start first.
 */
import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files that run long for their size, longest first (a whole run, 2026-12-06). */
const LONG_FOR_THEIR_SIZE = [
  'test/derived/worker.test.ts',
  'test/reliability/embedded-service.test.ts',
  'test/derived/lossless.test.ts',
  'test/http/explore.test.ts',
  'test/http/events-resume.test.ts',
  'test/derived/npm-start.test.ts',
  'test/production.test.ts',
];

export default class LongFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const root = this.ctx.config.root;
    /** Its place among LONG_FOR_THEIR_SIZE when no duration is recorded for it; after them otherwise. */
    const weight = (spec: TestSpecification): number => {
      const path = relative(root, spec.moduleId);
      const rank = LONG_FOR_THEIR_SIZE.indexOf(path);
      return rank >= 0 && this.ctx.cache.getFileTestResults(`${spec.project.name}:${path}`) === undefined ? rank : LONG_FOR_THEIR_SIZE.length;
    };
    // Stable: within a group (`sequence.groupOrder`), the rest keep vitest's order.
    const group = (spec: TestSpecification) => spec.project.config.sequence.groupOrder;
    return [...sorted].sort((a, b) => group(a) - group(b) || weight(a) - weight(b));
  }
}
