/**
 * One stream record applied to every view in order, each view on its own: a view that keeps
 * failing deterministically sets the record aside in its dead letters and the next view still
 * gets it. The self-hosted worker (consumer.ts) and the Lambda handler (lambda.ts) both apply
 * records this way; what differs between them (leases, counters, time left) comes in as hooks.
 */
import type { Db } from '../patterns/db.js';
import { applyChange, untilDone, type ApplyOptions, type ApplyOutcome, type DerivedView } from './apply.js';
import { writeDeadLetter } from './dead-letters.js';
import type { Change } from './records.js';

export interface ViewsLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ApplyViewsOptions extends Pick<ApplyOptions, 'shouldStop' | 'detach' | 'priority'> {
  /** The derived table, where a record set aside is kept. */
  derived: Db;
  logger?: ViewsLogger | undefined;
  /** Added to every log line (the worker names the shard). */
  logContext?: object;
  /** Before each retry of `view`, once the retry is logged (the worker renews its lease here). */
  onRetry?: (view: DerivedView, error: unknown) => Promise<void> | void;
  /** After each view, applied or set aside, with the milliseconds it took. */
  onView?: (view: DerivedView, outcome: ApplyOutcome, ms: number) => void;
}

export async function applyToViews(views: readonly DerivedView[], change: Change, options: ApplyViewsOptions): Promise<void> {
  const { derived, logger, logContext, onRetry, onView, ...apply } = options;
  for (const view of views) {
    const started = Date.now();
    const outcome = await applyChange(view, change, {
      ...apply,
      onRetry: async (error) => {
        logger?.warn({ err: error, view: view.name, ...logContext, sequenceNumber: change.sequenceNumber }, 'stream record not applied yet; retrying');
        await onRetry?.(view, error);
      },
    });
    if (!outcome.applied) {
      logger?.error({ err: outcome.error, view: view.name, ...logContext, sequenceNumber: change.sequenceNumber }, 'stream record set aside (dead letter)');
      await untilDone(() => writeDeadLetter(derived, view.name, change, outcome.error), apply.shouldStop);
    }
    onView?.(view, outcome, Date.now() - started);
  }
}
