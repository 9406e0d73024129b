/**
 * The worker: one stream consumer per derived view, started together. It runs inside
 * `npm start` by default and alone as `quick-photos worker`; on AWS the same views can run in
 * a Lambda function behind an event source mapping on the stream (see README).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DerivedConfig } from '../config.js';
import type { Db } from '../patterns/db.js';
import { StreamConsumer, summarize, type ConsumerLogger, type DerivedView, type WorkerStatus } from './consumer.js';

export type { WorkerStatus };
import { HEARTBEAT_MS, writeHeartbeat } from './heartbeat.js';
import { derivedDb } from './store.js';
import { createStreamsClient } from './stream.js';
import { activityView } from './views/activity.js';
import type { ViewContext } from './views/context.js';
import { directoryView } from './views/directory.js';
import { feedView } from './views/feed.js';

/** Every derived view; a new one is one more entry. */
export const VIEWS: ((ctx: ViewContext) => DerivedView)[] = [feedView, activityView, directoryView];

export interface Worker {
  status(): WorkerStatus;
  /** Resolves once every view has applied everything written before the call (for tools and tests). */
  drain(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerOptions {
  client: DynamoDBClient;
  db: Db;
  settings: DerivedConfig;
  logger?: ConsumerLogger | undefined;
  /** False builds the consumers without starting their loops (drain() then does the work). */
  autoStart?: boolean;
}

export function createWorker(options: WorkerOptions): Worker {
  const streams = createStreamsClient(options.client);
  const derived = derivedDb(options.db);
  const ctx: ViewContext = { db: options.db, derived, settings: options.settings };
  const consumers = VIEWS.map(
    (make) => new StreamConsumer({ client: options.client, streams, db: options.db, derived, logger: options.logger }, make(ctx), options.settings.pollMs),
  );
  const started = options.autoStart !== false;
  let heartbeat: NodeJS.Timeout | undefined;
  if (started) {
    for (const consumer of consumers) consumer.start();
    const beat = () =>
      void writeHeartbeat(derived, consumers.map((c) => c.status())).catch((error: unknown) => options.logger?.warn({ err: error }, 'worker heartbeat not written'));
    heartbeat = setInterval(beat, HEARTBEAT_MS);
    heartbeat.unref();
  }

  return {
    status: () => summarize(consumers.map((c) => c.status())),
    async drain(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      if (!started) {
        // Pass until a pass applies nothing: every shard read to its current end.
        for (const consumer of consumers) while ((await consumer.pass()) > 0) if (Date.now() > deadline) throw new Error('drain timed out');
        return;
      }
      const since = Date.now();
      for (;;) {
        const status = summarize(consumers.map((c) => c.status()));
        if (status.views.every((v) => v.caughtUpAt !== null && v.caughtUpAt > since)) return;
        if (Date.now() > deadline) throw new Error(`the worker did not catch up within ${timeoutMs} ms (lag ${String(status.lagSeconds)})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      clearInterval(heartbeat);
      await Promise.all(consumers.map((c) => c.stop()));
      streams.destroy();
    },
  };
}
