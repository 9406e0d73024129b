/**
 * A small bounded queue in front of sharp. sharp already decodes on libvips' thread pool (off
 * the event loop); this bounds how many images are in flight, so a burst of 12-megapixel
 * uploads holds a known amount of memory and CPU instead of all of it.
 */
import { mediaErrors } from './errors.js';

export interface WorkQueue {
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly active: number;
  readonly waiting: number;
}

export function createWorkQueue(concurrency: number, maxWaiting: number): WorkQueue {
  let active = 0;
  const waiting: (() => void)[] = [];
  const next = () => {
    active -= 1;
    const wake = waiting.shift();
    if (wake) {
      active += 1;
      wake();
    }
  };
  return {
    get active() {
      return active;
    },
    get waiting() {
      return waiting.length;
    },
    async run(task) {
      if (active >= concurrency) {
        // Past its bound the queue answers at once (503) rather than growing without limit.
        if (waiting.length >= maxWaiting) throw mediaErrors.busy();
        await new Promise<void>((resolve) => waiting.push(resolve));
      } else {
        active += 1;
      }
      try {
        return await task();
      } finally {
        next();
      }
    },
  };
}
