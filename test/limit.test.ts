import { describe, expect, it } from 'vitest';
import { eachLimited } from '../src/limit.js';

// A turn of the event loop: the tasks interleave without any wall-clock pause.
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('eachLimited', () => {
  it('runs every item once with no more than the bound in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const seen: number[] = [];
    await eachLimited(Array.from({ length: 40 }, (_, i) => i), 3, async (i) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await tick();
      seen.push(i);
      inFlight--;
    });
    expect(most).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    const run = eachLimited([0, 1, 2, 3, 4, 5, 6, 7], 2, async (i) => {
      started.push(i);
      await tick();
      if (i === 1) throw new Error('boom');
    });
    await expect(run).rejects.toThrow('boom');
    expect(started.length).toBeLessThanOrEqual(3);
  });
});
