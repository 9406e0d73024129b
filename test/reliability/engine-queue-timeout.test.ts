/**
 * The lean client's timeout bounds the whole call, the wait for a pooled connection included:
 * with every connection held by a request to an engine that never answers (a 127.0.0.1 server
 * that accepts and stays silent), a call queued behind it fails within the bound, with the
 * TimeoutError the frozen-engine test gets (503 ENGINE_UNAVAILABLE at the API), instead of
 * waiting for the stalled request's timeout and then its own.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeanDocClient } from '../../src/engine/lean/client.js';
import { DomainError } from '../../src/errors.js';
import { mapEngineError } from '../../src/patterns/db.js';
import { waitFor } from '../support/wait.js';

const TIMEOUT_MS = 1_000;

let server: Server;
let endpoint: string;
const sockets = new Set<Socket>();
let requestsSeen = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', (chunk) => {
      if (chunk.toString('latin1').startsWith('POST ')) requestsSeen++;
    });
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function outcome(promise: Promise<unknown>, started: number): Promise<{ error: unknown; ms: number }> {
  try {
    await promise;
    return { error: undefined, ms: performance.now() - started };
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
}

describe('a call queued behind a stalled connection', () => {
  it('fails within the timeout as a TimeoutError, not after the stalled one and then its own', async () => {
    const client = new LeanDocClient({
      endpoint,
      region: () => Promise.resolve('local'),
      credentials: () => Promise.resolve({ accessKeyId: 'local', secretAccessKey: 'local' }),
      requestTimeoutMs: TIMEOUT_MS,
      maxAttempts: 2,
      connections: 1,
    });
    try {
      const get = () => client.send(new GetCommand({ TableName: 'stalled', Key: { PK: 'a', SK: 'b' } }));
      const firstStarted = performance.now();
      const first = outcome(get(), firstStarted);
      // The one connection now carries a request that will never be answered.
      await waitFor(() => requestsSeen > 0, { what: 'the first request to reach the stalled server', intervalMs: 10 });
      expect(requestsSeen).toBe(1);
      const secondStarted = performance.now();
      const second = await outcome(get(), secondStarted);
      expect(second.error).toBeInstanceOf(Error);
      expect((second.error as Error).name).toBe('TimeoutError');
      // The bound counts the wait for the one busy connection: without it this call would hang.
      expect(second.ms).toBeGreaterThanOrEqual(TIMEOUT_MS * 0.9);
      const mapped = mapEngineError(second.error, 'stalled');
      expect(mapped).toBeInstanceOf(DomainError);
      expect((mapped as DomainError).code).toBe('ENGINE_UNAVAILABLE');

      // The stalled call itself is bounded the same way: no retry starts past the deadline.
      const stalled = await first;
      expect((stalled.error as Error).name).toBe('TimeoutError');
    } finally {
      await client.destroy();
    }
  });
});
