/** One HTTP exchange with DynamoDB, within what is left of its call's time. */
import type { Dispatcher, Pool } from 'undici';

export interface Exchange {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * One request and its whole answer, through undici's dispatch API: the answer is collected
 * as buffers, without the Readable stream `pool.request()` builds around every body.
 */
export function exchange(pool: Pool, options: Dispatcher.DispatchOptions, budget: Budget): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let status = 0;
    const headers: Exchange['headers'] = {};
    // The pool takes undici's classic handler shape (onConnect ... onComplete).
    const handler = {
      onConnect(abort: (error?: Error) => void): void {
        // Dispatched from the pool's queue after the call ran out: fail it before it is sent
        // (undici catches this and errors the request without touching the connection).
        if (budget.expired) throw budget.expired;
        budget.abort = abort;
      },
      onHeaders(statusCode: number, raw: Buffer[]): boolean {
        status = statusCode;
        // Only the two headers the protocol needs are read (names arrive as sent).
        for (let i = 0; i + 1 < raw.length; i += 2) {
          const name = raw[i]!.toString('latin1').toLowerCase();
          if (name === 'x-amzn-requestid' || name === 'x-amzn-errortype') headers[name] = raw[i + 1]!.toString('latin1');
        }
        return true;
      },
      onData(chunk: Buffer): boolean {
        chunks.push(chunk);
        return true;
      },
      onComplete(): void {
        budget.abort = undefined;
        const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8');
        resolve({ status, headers, text });
      },
      onError(error: Error): void {
        budget.abort = undefined;
        reject(error);
      },
    };
    pool.dispatch(options, handler);
  });
}

/** What is left of one call's time: set when it runs out, and how to abort the request in flight. */
export interface Budget {
  readonly endsAt: number;
  expired: Error | undefined;
  abort: ((error?: Error) => void) | undefined;
}
