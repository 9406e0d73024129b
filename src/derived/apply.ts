/**
 * Applying one stream record to one view, the same way in the self-hosted worker and in the
 * Lambda handler. A transient failure (throttling, a timeout, a 5xx, the engine down) is
 * retried with capped backoff for as long as it takes: the checkpoint never moves past a
 * record that has not been applied. Only a failure that repeats with a deterministic cause (a
 * ValidationException, a bug in a view) sets the record aside, in the dead-letter store, for
 * `quick-photos worker redrive` once the cause is fixed.
 */
import { backoff } from '../backoff.js';
import { isDomainError } from '../errors.js';
import { mapEngineError } from '../patterns/db.js';
import type { Change } from './records.js';
import type { WritePriority } from './store/writes.js';

export interface DerivedView {
  readonly name: string;
  /** Must be idempotent: a record may be applied again after a crash or a re-delivery. */
  apply(change: Change, progress?: ApplyProgress): Promise<void>;
}

/** What a view may tell the worker about the record it is applying (absent in the Lambda handler). */
export interface ApplyProgress {
  /**
   * The rest of this record's work (this view's and the later views') commutes with records
   * of other partition keys: they may be applied before it ends. Records of its own partition
   * key still wait for it, and the checkpoint never passes it (lane.ts). A large fan-out says so.
   */
  detach(): void;
  /** What a detached record's writes step back for (lane.ts, `Foreground`). */
  priority?: WritePriority;
}

/** Throttling, timeouts, 5xx and an unreachable engine: worth waiting for, never a reason to skip. */
export function isTransient(error: unknown): boolean {
  const mapped = mapEngineError(error, '');
  if (isDomainError(mapped)) return mapped.kind === 'unavailable' || mapped.kind === 'throttled';
  if (!(error instanceof Error)) return false;
  const meta = error as { $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  if (meta.$retryable) return true;
  const status = meta.$metadata?.httpStatusCode;
  return status === 429 || (status !== undefined && status >= 500) || error.name === 'AbortError' || error.name === 'TimeoutError';
}

/** Thrown when the caller asked to stop (or lost the shard) while a record was being retried. */
export class ApplyAborted extends Error {
  override readonly name = 'ApplyAborted';
}

export interface ApplyOptions {
  /** Checked before every attempt; true abandons the record (not applied, not set aside). */
  shouldStop?: () => boolean;
  /** Before every retry (keeps a shard lease alive, records the error for status). */
  onRetry?: (error: unknown, attempt: number) => Promise<void> | void;
  /** Attempts that must fail deterministically before the record is set aside. */
  deterministicAttempts?: number;
  /** The longest wait between two attempts. */
  maxBackoffMs?: number;
  /** Passed to the view (ApplyProgress.detach). */
  detach?: () => void;
  /** Passed to the view (ApplyProgress.priority). */
  priority?: WritePriority;
}

export type ApplyOutcome = { applied: true } | { applied: false; error: unknown };

/**
 * Applies the change until it succeeds or fails deterministically `deterministicAttempts`
 * times in a row; transient failures are retried without limit (and reset that count).
 */
export async function applyChange(view: DerivedView, change: Change, options: ApplyOptions = {}): Promise<ApplyOutcome> {
  const limit = options.deterministicAttempts ?? 3;
  let deterministic = 0;
  for (let attempt = 0; ; attempt++) {
    if (options.shouldStop?.()) throw new ApplyAborted('stopped before the record was applied');
    try {
      await view.apply(change, options.detach ? { detach: options.detach, ...(options.priority ? { priority: options.priority } : {}) } : undefined);
      return { applied: true };
    } catch (error) {
      if (error instanceof ApplyAborted) throw error;
      if (isTransient(error)) deterministic = 0;
      else if (++deterministic >= limit) return { applied: false, error };
      await options.onRetry?.(error, attempt);
      await backoff(Math.min(attempt, 10), 100, options.maxBackoffMs ?? 10_000);
    }
  }
}

/** Runs `task` until it succeeds, retrying transient failures with capped backoff; other errors are thrown. */
export async function untilDone<T>(
  task: () => Promise<T>,
  shouldStop: () => boolean = () => false,
  onRetry?: (error: unknown) => void,
  maxBackoffMs = 10_000,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    if (shouldStop()) throw new ApplyAborted('stopped while waiting for the engine');
    try {
      return await task();
    } catch (error) {
      if (!isTransient(error)) throw error;
      onRetry?.(error);
      await backoff(Math.min(attempt, 10), 100, maxBackoffMs);
    }
  }
}
