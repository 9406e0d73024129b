/**
 * The engine's answer to one request of the API's, lost, held or stalled on the real engine
 * (through startApi's `wrapDoc`): what a timeout or a dropped connection does to a write.
 */
import type { DocClient } from '../../src/engine/doc-client.js';

/**
 * `lose`: applied, and its answer lost; `hold`: applied, then its answer waits for `release()`
 * and is lost; `stall`: it waits for `release()` before it is sent at all.
 */
export type AnswerFault = 'lose' | 'hold' | 'stall';

export interface AnswerFaults {
  /** For startApi's `wrapDoc`. */
  readonly wrap: (doc: DocClient) => DocClient;
  /** The next request of `command` (a lib-dynamodb command's class name) meets `fault`. */
  inject(fault: AnswerFault, command?: string): void;
  /** Whether the injected fault still waits for its request. */
  readonly pending: boolean;
  /** Whether a held or stalled request waits for `release()`. */
  readonly waiting: boolean;
  release(): void;
}

export function answerFaults(): AnswerFaults {
  let next: { fault: AnswerFault; command: string } | undefined;
  let resume: (() => void) | undefined;
  const wait = () => new Promise<void>((done) => (resume = done));
  return {
    wrap: (doc) => ({
      send: (async (command: { constructor: { name: string } }, ...rest: unknown[]) => {
        const fault = next?.command === command.constructor.name ? next.fault : undefined;
        if (fault) next = undefined;
        if (fault === 'stall') await wait();
        const answer: unknown = await (doc.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
        if (fault === 'hold') await wait();
        if (fault === 'lose' || fault === 'hold') throw Object.assign(new Error('socket hang up after the write'), { name: 'TimeoutError', $metadata: {} });
        return answer;
      }) as DocClient['send'],
    }),
    inject(fault, command = 'TransactWriteCommand') {
      next = { fault, command };
    },
    get pending() {
      return next !== undefined;
    },
    get waiting() {
      return resume !== undefined;
    },
    release() {
      const done = resume;
      resume = undefined;
      done?.();
    },
  };
}
