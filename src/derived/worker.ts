/**
 * The worker: one stream consumer dispatching every record to every derived view, in order.
 * It runs inside `npm start` in development and alone as `quick-photos worker` (any number of
 * them: shard leases keep one reader per shard); on AWS the same views can run in the Lambda
 * function behind an event source mapping on the stream instead (lambda.ts, deploy/).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DerivedConfig } from '../config/index.js';
import type { Db } from '../patterns/db.js';
import type { DerivedView } from './apply.js';
import { StreamConsumer, type ConsumerDeps, type ConsumerLogger } from './consumer.js';
import { summarize, type WorkerStatus } from './status.js';
import { HEARTBEAT_MS, writeHeartbeat } from './heartbeat.js';
import { derivedDb, sharedReads } from './store/index.js';
import { createStreamsClient } from './stream.js';
import { wakeOnWrites } from './wake.js';
import { activityView } from './views/activity.js';
import type { ViewContext } from './views/context.js';
import { directoryView } from './views/directory.js';
import { eventsView } from './views/events.js';
import { exploreView } from './views/explore.js';
import { feedView } from './views/feed.js';
import { mentionView } from './views/mentions.js';
import { peopleView } from './views/people.js';
import { tagView } from './views/tags.js';
import { pushView } from './views/push.js';
import { commentSummaryView } from './views/comment-summary.js';

export type { WorkerStatus };

/** Every derived view, applied in this order to each record; a new one is one more entry. */
export const VIEWS: ((ctx: ViewContext) => DerivedView)[] = [feedView, (ctx) => activityView(ctx), directoryView, (ctx) => exploreView(ctx), peopleView, (ctx) => tagView(ctx), mentionView, eventsView, (ctx) => pushView(ctx), commentSummaryView];

/** The views, built for one table. */
export function buildViews(db: Db, settings: ViewContext['settings'], options: { events?: boolean } = {}): DerivedView[] {
  const ctx: ViewContext = { db, derived: derivedDb(db), settings, ...(options.events === false ? { events: false } : {}) };
  return VIEWS.map((make) => make(ctx));
}

export interface Worker {
  status(): WorkerStatus;
  /** Resolves once every view has applied everything written before the call (for tools and tests). */
  drain(timeoutMs?: number): Promise<void>;
  /** Stops after the batch in flight and hands the shard leases back. */
  stop(): Promise<void>;
  /** Stops without handing the leases back, as a crash would (tests). */
  abandon(): Promise<void>;
  /** This worker's identity in the shard leases. */
  readonly owner: string;
}

export interface WorkerOptions {
  client: DynamoDBClient;
  db: Db;
  settings: DerivedConfig;
  logger?: ConsumerLogger | undefined;
  /** False builds the consumer without starting its loop (drain() then does the work). */
  autoStart?: boolean;
  /** Instead of VIEWS (tests: a view that fails on purpose). */
  views?: DerivedView[];
  onRead?: ConsumerDeps['onRead'];
  onApplied?: ConsumerDeps['onApplied'];
  /** False: a detached fan-out never steps back for other records (the feed bench compares both). */
  fanoutYields?: boolean;
  /** The stream poll while a detached fan-out runs (the feed bench compares the idle poll). */
  detachedPollMs?: number;
  /**
   * Clients whose successful writes to the main table wake this worker's idle poll (wake.ts):
   * the API's, when the two run in one process. Unhooked when the worker stops.
   */
  wakeOn?: readonly unknown[];
}

export function createWorker(options: WorkerOptions): Worker {
  const streams = createStreamsClient(options.client);
  const derived = derivedDb(options.db);
  const { settings } = options;
  // The views' main-table reads, shared between the records read so far (store/read-once.ts).
  const reads = sharedReads(options.db);
  const consumer = new StreamConsumer(
    { client: options.client, streams, db: options.db, derived, logger: options.logger, onRead: options.onRead, onApplied: options.onApplied, reads },
    options.views ?? buildViews(reads.db, settings),
    {
      pollMs: settings.pollMs,
      leaseMs: settings.leaseMs,
      shardConcurrency: settings.shardConcurrency,
      ...(options.fanoutYields === false ? { fanoutYields: false } : {}),
      ...(options.detachedPollMs === undefined ? {} : { detachedPollMs: options.detachedPollMs }),
    },
  );
  const started = options.autoStart !== false;
  let heartbeat: NodeJS.Timeout | undefined;
  const unhooks = started ? (options.wakeOn ?? []).map((client) => wakeOnWrites(consumer, client, options.db.table)) : [];
  if (started) {
    consumer.start();
    // A standby (holding no shard, never caught up) leaves the heartbeat to the worker that reads.
    const beat = () => {
      const views = consumer.status();
      if (views.every((v) => v.shards === 0 && v.caughtUpAt === null)) return;
      void writeHeartbeat(derived, views).catch((error: unknown) => options.logger?.warn({ err: error }, 'worker heartbeat not written'));
    };
    heartbeat = setInterval(beat, HEARTBEAT_MS);
    heartbeat.unref();
  }

  const halt = async (release: boolean) => {
    clearInterval(heartbeat);
    for (const unhook of unhooks) unhook();
    await consumer.stop(release);
    streams.destroy();
  };
  return {
    owner: consumer.owner,
    status: () => summarize(consumer.status()),
    async drain(timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      if (!started) {
        // Pass until a pass reads every shard and applies nothing: all read to its current end.
        // A shard another worker holds (or a dead one's lease not yet expired) is waited for.
        for (;;) {
          const passStart = Date.now();
          const applied = await consumer.pass();
          const caughtUpAt = consumer.status()[0]?.caughtUpAt ?? null;
          if (applied === 0 && caughtUpAt !== null && caughtUpAt >= passStart) return;
          if (Date.now() > deadline) throw new Error('drain timed out');
          if (applied === 0) await new Promise((r) => setTimeout(r, settings.pollMs));
        }
      }
      const since = Date.now();
      // What the caller waits for was written before the call: no reason to wait out the idle poll.
      consumer.nudge();
      for (;;) {
        const status = summarize(consumer.status());
        if (status.views.every((v) => v.caughtUpAt !== null && v.caughtUpAt > since)) return;
        if (Date.now() > deadline) throw new Error(`the worker did not catch up within ${timeoutMs} ms (lag ${String(status.lagSeconds)})`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => halt(true),
    abandon: () => halt(false),
  };
}
