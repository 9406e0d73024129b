/**
 * When the consumer's next pass starts (src/derived/pacing.ts), on a fake clock: the idle poll
 * counts from the pass's start, a nudge cuts it short but never a backoff, and stop ends either.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacer } from '../../src/derived/pacing.js';

const POLL_MS = 1_000;

/** Whether `wait` has ended once the fake clock has moved `ms` on. */
async function endedAfter(wait: Promise<void>, ms: number): Promise<boolean> {
  let ended = false;
  void wait.then(() => (ended = true));
  await vi.advanceTimersByTimeAsync(ms);
  return ended;
}

/** `wait` is still running `ms` - 1 milliseconds on, and has ended at `ms`. */
async function expectEndsAfter(wait: Promise<void>, ms: number): Promise<void> {
  expect(await endedAfter(wait, ms - 1)).toBe(false);
  expect(await endedAfter(wait, 1)).toBe(true);
}

describe('the consumer pacing', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits out the idle poll from the start of the pass, not from the end', async () => {
    const pacer = new Pacer(POLL_MS);
    pacer.passStarted(Date.now());
    await vi.advanceTimersByTimeAsync(300);
    await expectEndsAfter(pacer.idle(), 700);
  });

  it('cuts the idle poll short when nudged, to 50 ms after the pass began', async () => {
    const pacer = new Pacer(POLL_MS);
    pacer.passStarted(Date.now());
    const idle = pacer.idle();
    expect(await endedAfter(idle, 10)).toBe(false);
    pacer.nudge();
    await expectEndsAfter(idle, 40);

    // A nudge later than that ends the wait at once; the next pass forgets it.
    pacer.passStarted(Date.now());
    const next = pacer.idle();
    await vi.advanceTimersByTimeAsync(100);
    pacer.nudge();
    expect(await endedAfter(next, 0)).toBe(true);
    pacer.passStarted(Date.now());
    expect(await endedAfter(pacer.idle(), POLL_MS - 1)).toBe(false);
  });

  it('never hurries a backoff, which doubles from 100 ms up to 5 s', async () => {
    const pacer = new Pacer(POLL_MS);
    const first = pacer.backoff(0);
    pacer.nudge();
    await expectEndsAfter(first, 100);
    await expectEndsAfter(pacer.backoff(2), 400);
    await expectEndsAfter(pacer.backoff(20), 5_000);
  });

  it('ends any wait on stop, and waits no more after it', async () => {
    const pacer = new Pacer(POLL_MS);
    pacer.passStarted(Date.now());
    const idle = pacer.idle();
    pacer.stop();
    expect(await endedAfter(idle, 0)).toBe(true);
    const backoff = pacer.backoff(6);
    expect(await endedAfter(backoff, 0)).toBe(true);
    expect(await endedAfter(pacer.idle(), 0)).toBe(true);
  });
});
