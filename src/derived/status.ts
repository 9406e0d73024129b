/**
 * What the stream processing reports about itself: per view (the worker's status, its
 * heartbeat in the derived table) and in sum (/ready, /metrics, `quick-photos worker status`).
 * Apart from the consumer, so that what reads a status needs none of the machinery behind it.
 */
/**
 * The views a deployment applies (src/derived/worker.ts VIEWS, in that order; a test keeps the
 * two equal): /metrics counts their dead letters whether or not a worker reports a status (the
 * Lambda handler writes no heartbeat).
 */
export const SHIPPED_VIEWS: readonly string[] = ['feed', 'activity', 'directory', 'explore', 'people', 'tags', 'mentions', 'events', 'push', 'comment-summary'];

export interface ConsumerStatus {
  view: string;
  /** Seconds between now and the oldest write not yet applied; 0 when caught up, null before the first pass. */
  lagSeconds: number | null;
  processed: number;
  /** Shards this worker holds (the same for every view: one reader dispatches to all). */
  shards: number;
  /** Records this view set aside since the worker started (kept in the derived table, DEADLETTER#<view>). */
  deadLetters: number;
  /** Start time (epoch ms) of the latest pass that found nothing new: everything written before it is applied. */
  caughtUpAt: number | null;
  lastError?: string;
}

export interface WorkerStatus {
  /** The largest lag of any view, in seconds; null until every view has made a first pass. */
  lagSeconds: number | null;
  views: ConsumerStatus[];
}

export function summarize(views: ConsumerStatus[]): WorkerStatus {
  const lags = views.map((v) => v.lagSeconds);
  return { lagSeconds: lags.some((l) => l === null) ? null : Math.max(0, ...(lags as number[])), views };
}
