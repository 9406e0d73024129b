/** The order test files start in (test/support/sequencer.ts), on vitest's own sequencer with a cache of our making. */
import { describe, expect, it } from 'vitest';
import type { TestSpecification, Vitest } from 'vitest/node';
import LongFirstSequencer from './support/sequencer.js';

const ROOT = '/repo';

interface File {
  path: string;
  size: number;
  group?: number;
  /** A duration recorded by an earlier run, in ms. */
  recorded?: number;
}

function order(files: File[]): Promise<string[]> {
  const byKey = new Map(files.map((file) => [`${file.group ? 'quiet' : 'suite'}:${file.path}`, file]));
  const ctx = {
    config: { root: ROOT },
    cache: {
      getFileTestResults: (key: string) => {
        const recorded = byKey.get(key)?.recorded;
        return recorded === undefined ? undefined : { duration: recorded, failed: false };
      },
      getFileStats: (key: string) => {
        const file = byKey.get(key);
        return file ? { size: file.size } : undefined;
      },
    },
  } as unknown as Vitest;
  const specs = files.map((file) => ({
    moduleId: `${ROOT}/${file.path}`,
    project: { name: file.group ? 'quiet' : 'suite', config: { isolate: false, sequence: { groupOrder: file.group ?? 0 } } },
  })) as unknown as TestSpecification[];
  return new LongFirstSequencer(ctx)
    .sort(specs)
    .then((sorted) => sorted.map((spec) => spec.moduleId.slice(ROOT.length + 1)));
}

describe('the order test files start in', () => {
  it('without recorded durations: the files long for their size first, in their order, then the largest first', async () => {
    expect(
      await order([
        { path: 'test/big.test.ts', size: 40_000 },
        { path: 'test/derived/lossless.test.ts', size: 6_000 },
        { path: 'test/small.test.ts', size: 1_000 },
        { path: 'test/derived/worker.test.ts', size: 4_000 },
        { path: 'test/medium.test.ts', size: 10_000 },
      ]),
    ).toEqual(['test/derived/worker.test.ts', 'test/derived/lossless.test.ts', 'test/big.test.ts', 'test/medium.test.ts', 'test/small.test.ts']);
  });

  it('with recorded durations: vitest\'s order, the longest first', async () => {
    expect(
      await order([
        { path: 'test/big.test.ts', size: 40_000, recorded: 5_000 },
        { path: 'test/derived/worker.test.ts', size: 4_000, recorded: 2_000 },
        { path: 'test/small.test.ts', size: 1_000, recorded: 9_000 },
      ]),
    ).toEqual(['test/small.test.ts', 'test/big.test.ts', 'test/derived/worker.test.ts']);
  });

  it('keeps each group in its place: a later group starts after the first, whatever its files', async () => {
    expect(
      await order([
        { path: 'test/media/isolated.test.ts', size: 9_000, group: 1 },
        { path: 'test/small.test.ts', size: 1_000 },
        { path: 'test/derived/worker.test.ts', size: 4_000 },
      ]),
    ).toEqual(['test/derived/worker.test.ts', 'test/small.test.ts', 'test/media/isolated.test.ts']);
  });
});
