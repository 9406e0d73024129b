/**
 * The stream consumer: one reader per shard per deployment, dispatching each record to every
 * view in order (feed, activity, directory, and whatever views later join the list). Shards
 * are read in parallel, at most `shardConcurrency` at once and one batch per shard per pass,
 * so a hot shard never starves the others; a child shard starts once its parent is read to
 * the end (a split closes a shard and opens two). Within a shard, records are applied in
 * order, except that a large fan-out goes on in the background while later records of other
 * partition keys are applied (lane.ts); the checkpoint never passes an unfinished record.
 *
 * A shard is read only under its lease (checkpoints.ts): a second worker process stands by
 * and takes a shard over within `leaseMs` (plus one poll) of its holder dying. A transient
 * failure (the engine down, throttling) never moves a checkpoint: the record is retried until
 * it applies, and the lag grows visibly meanwhile; a deterministic one goes to the dead
 * letters of the view that failed (dead-letters.ts), and the other views still apply it.
 */
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { eachLimited } from '../limit.js';
import type { Db } from '../patterns/db.js';
import { ApplyAborted, untilDone, type DerivedView } from './apply.js';
import { applyToViews } from './apply-views.js';
import { Foreground, Lane } from './lane.js';
import { Pacer } from './pacing.js';
import { acquireLease, READER, readCheckpoint, releaseLease, saveCheckpoint, type Lease, type SharedReads } from './store/index.js';
import { decodeOrSetAside, UNDECODABLE } from './dead-letters.js';
import { toChange, type Change } from './records.js';
import type { ConsumerStatus } from './status.js';
import { findStream, listShards, readRecords, shardIterator, type ShardInfo, type StreamRecord, type StreamRef } from './stream.js';

export type { DerivedView };

export interface ConsumerLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ConsumerDeps {
  client: DynamoDBClient;
  streams: DynamoDBStreamsClient;
  /** The main table (the stream's source). */
  db: Db;
  /** The derived table (checkpoints, leases, dead letters). */
  derived: Db;
  logger?: ConsumerLogger | undefined;
  /** Called when this consumer starts and ends holding a shard for a batch (tests count readers). */
  onRead?: ((event: 'start' | 'end', shardId: string) => void) | undefined;
  /** Called once a record is applied to every view, with where its time went (the feed bench's profile). */
  onApplied?: ((record: StreamRecord, times: RecordTimes) => void) | undefined;
  /** The main-table reads the views share (when they were built on `reads.db`): each batch read is marked. */
  reads: SharedReads;
}

/** Epoch ms of a record's way through the worker. */
export interface RecordTimes {
  /** The GetRecords that returned it: sent, answered. */
  readStart: number;
  readEnd: number;
  /** Its first view started, its last view ended. */
  started: number;
  applied: number;
  /** Milliseconds in each view. */
  views: Record<string, number>;
}

export interface ConsumerOptions {
  pollMs: number;
  /** How long a lease lasts without renewal: the longest a standby waits for a dead holder's shards. */
  leaseMs: number;
  /** Shards read at once. */
  shardConcurrency: number;
  /** This worker's identity in leases. */
  owner?: string;
  /** False: detached fan-outs keep all their writes in flight whatever else runs (the feed bench's comparison). */
  fanoutYields?: boolean;
  /** The poll while a detached record runs (default DETACHED_POLL_MS; the feed bench compares `pollMs`). */
  detachedPollMs?: number;
}

const BATCH = 100;
/** Records of a shard read ahead of its checkpoint (behind a detached fan-out), at most. */
const WINDOW = 1_000;
/** Detached fan-outs of a shard running at once. */
const DETACHED = 4;
/**
 * The poll while a detached fan-out runs: records written meanwhile are read this soon, not a
 * whole WORKER_POLL_MS later (one GetRecords per poll beside the fan-out's many writes).
 */
const DETACHED_POLL_MS = 50;
/** Shards and the stream ARN are re-read this often (and whenever a shard ends). */
const REFRESH_MS = 10_000;

interface Held extends Lease {
  lane: Lane;
  /** The checkpoint being written: a renewal that reads it back is not another worker's move. */
  saving?: string | undefined;
}

export class StreamConsumer {
  readonly owner: string;
  private stream: StreamRef | undefined;
  private shards: ShardInfo[] = [];
  private refreshedAt = 0;
  private readonly held = new Map<string, Held>();
  private readonly finished = new Set<string>();
  private readonly processed = new Map<string, number>();
  private readonly deadLetters = new Map<string, number>();
  private passes = 0;
  private caughtUpAt: number | null = null;
  private lastError: string | undefined;
  private running: Promise<void> | undefined;
  private renewal: NodeJS.Timeout | undefined;
  private stopping = false;
  private readonly pacer: Pacer;
  /** Records applied in the foreground in any lane: detached fan-outs yield to them. */
  private readonly foreground = new Foreground();
  /** When each record's GetRecords was sent and answered (only with onApplied). */
  private readonly readTimes = new WeakMap<StreamRecord, { readStart: number; readEnd: number }>();
  /** The mark of the batch each record came in (SharedReads): which kept answers may serve it. */
  private readonly batchMarks = new WeakMap<StreamRecord, number>();

  constructor(
    private readonly deps: ConsumerDeps,
    readonly views: readonly DerivedView[],
    private readonly options: ConsumerOptions,
  ) {
    this.owner = options.owner ?? randomUUID();
    this.pacer = new Pacer(options.pollMs);
  }

  status(): ConsumerStatus[] {
    const now = Date.now();
    const pendingSince = [...this.held.values()].flatMap((held) => held.lane.oldestPendingAt ?? []);
    const lag = this.passes === 0 ? null : Math.max(0, ...pendingSince.map((at) => (now - at) / 1000));
    return this.views.map((view) => ({
      view: view.name,
      lagSeconds: lag,
      processed: this.processed.get(view.name) ?? 0,
      shards: this.held.size,
      deadLetters: this.deadLetters.get(view.name) ?? 0,
      caughtUpAt: this.caughtUpAt,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    }));
  }

  /** Runs passes until `stop()`; errors are logged and retried with capped backoff, never thrown. */
  start(): void {
    // Leases are renewed on a timer, not only between batches: one long record (a large
    // fan-out under throttling) must not let a standby take the shard from a live worker.
    this.renewal ??= setInterval(() => void this.renewAll(), Math.max(50, Math.floor(this.options.leaseMs / 3)));
    this.renewal.unref();
    this.running ??= (async () => {
      for (let failures = 0; !this.stopping; ) {
        try {
          const applied = await this.pass();
          failures = 0;
          // A record still retrying in the background (a detached fan-out) keeps its error shown.
          if (![...this.held.values()].some((held) => held.lane.busy)) this.lastError = undefined;
          if (applied === 0) await this.pacer.idle();
        } catch (error) {
          this.lastError = error instanceof Error ? error.message : String(error);
          this.deps.logger?.warn({ err: error }, 'stream consumer pass failed; retrying');
          this.refreshedAt = 0;
          // Read again from the checkpoints, once what is running has ended (lanes are replaced in step()).
          for (const held of this.held.values()) held.lane.abort();
          await this.pacer.backoff(failures++);
        }
      }
    })();
  }

  /** Stops after the batch in flight; `release` hands the leases back so a standby takes over at once. */
  async stop(release = true): Promise<void> {
    this.stopping = true;
    clearInterval(this.renewal);
    this.pacer.stop();
    await this.running;
    // Records still running (a detached fan-out) end before the leases go back.
    await Promise.all(
      [...this.held.values()].map((held) => {
        held.lane.abort();
        return held.lane.idle();
      }),
    );
    const stream = this.stream;
    if (release && stream) {
      await Promise.all([...this.held.keys()].map((shardId) => releaseLease(this.deps.derived, stream.label, shardId, this.owner).catch(() => undefined)));
    }
    this.held.clear();
  }

  /** Something was written to the table by this process (src/derived/wake.ts): the next pass starts soon (pacing.ts). */
  nudge(): void {
    this.pacer.nudge();
  }

  /** One batch from every readable shard (in parallel, bounded). Returns the records applied. */
  async pass(): Promise<number> {
    const startedAt = Date.now();
    this.pacer.passStarted(startedAt);
    await this.refresh();
    const stream = this.stream;
    if (!stream) return 0;
    const known = new Set(this.shards.map((s) => s.shardId));
    const readable: ShardInfo[] = [];
    for (const shard of this.shards) {
      if (this.finished.has(shard.shardId)) continue;
      // A child starts only once its parent is read to the end (or trimmed away).
      if (shard.parentShardId && known.has(shard.parentShardId) && !(await this.isFinished(stream, shard.parentShardId))) continue;
      readable.push(shard);
    }
    let applied = 0;
    let missed = 0;
    await eachLimited(readable, this.options.shardConcurrency, async (shard) => {
      if (this.stopping) return;
      const result = await this.step(stream, shard.shardId);
      if (result === undefined) missed++;
      else applied += result;
    });
    this.passes++;
    // Caught up only if this worker read every unfinished shard (a standby reads none).
    if (applied === 0 && missed === 0 && !this.stopping) this.caughtUpAt = startedAt;
    return applied;
  }

  private async isFinished(stream: StreamRef, shardId: string): Promise<boolean> {
    if (this.finished.has(shardId)) return true;
    const checkpoint = await readCheckpoint(this.deps.derived, READER, stream.label, shardId);
    if (checkpoint.finished) this.finished.add(shardId);
    return checkpoint.finished;
  }

  private async refresh(): Promise<void> {
    if (this.stream && Date.now() - this.refreshedAt < REFRESH_MS) return;
    const stream = await findStream(this.deps.client, this.deps.db.table);
    if (stream?.arn !== this.stream?.arn) {
      for (const held of this.held.values()) held.lane.abort();
      this.held.clear();
      this.finished.clear();
    }
    this.stream = stream;
    this.shards = stream ? await listShards(this.deps.streams, stream.arn) : [];
    this.refreshedAt = Date.now();
  }

  private async renewAll(): Promise<void> {
    const stream = this.stream;
    if (!stream || this.stopping) return;
    await Promise.all(
      [...this.held.keys()].map((shardId) =>
        this.lease(stream, shardId, true).catch((error: unknown) => this.deps.logger?.warn({ err: error, shardId }, 'shard lease not renewed; retrying')),
      ),
    );
  }

  /** The lease, renewed when a third of it has passed; undefined when another worker holds the shard. */
  private async lease(stream: StreamRef, shardId: string, renew = false): Promise<Held | undefined> {
    const current = this.held.get(shardId);
    if (current && !renew && current.until - Date.now() > (this.options.leaseMs * 2) / 3) return current;
    const lease = await acquireLease(this.deps.derived, stream.label, shardId, this.owner, this.options.leaseMs);
    if (!lease) {
      if (current) this.deps.logger?.warn({ shardId }, 'shard lease taken over by another worker');
      this.drop(shardId);
      return undefined;
    }
    // Between batches our position is the stored one; if it moved, another worker read the
    // shard meanwhile: start again from its checkpoint, abandoning the batch in flight.
    const moved = current !== undefined && lease.sequenceNumber !== current.sequenceNumber && lease.sequenceNumber !== current.saving;
    if (current && !moved) {
      // The same object: a step in flight sees the renewal.
      current.until = lease.until;
      return current;
    }
    current?.lane.abort();
    const held = { ...lease } as Held;
    held.lane = this.newLane(stream, shardId, held);
    this.held.set(shardId, held);
    return moved ? undefined : held;
  }

  /** Forgets a shard whose lease is lost: nothing more of it starts here. */
  private drop(shardId: string): void {
    this.held.get(shardId)?.lane.abort();
    this.held.delete(shardId);
  }

  /** The shard's records, each applied to every view in order (lane.ts decides when each starts). */
  private newLane(stream: StreamRef, shardId: string, held: Held): Lane {
    const lane: Lane = new Lane(
      (record, detach) => this.applyRecord(stream, shardId, held, lane, record, detach),
      { window: WINDOW, detached: DETACHED },
      // Never start a record under a lease that may have passed to another worker.
      () => !this.stopping && this.held.get(shardId) === held && held.until > Date.now(),
      this.foreground,
    );
    return lane;
  }

  private async applyRecord(stream: StreamRef, shardId: string, held: Held, lane: Lane, record: StreamRecord, detach: () => void): Promise<void> {
    const change = await this.decode(record);
    if (!change) return;
    const stop = () => this.stopping || lane.aborted;
    const started = Date.now();
    const viewTimes: Record<string, number> = {};
    const { reads } = this.deps;
    await reads.applying(this.batchMarks.get(record), () => applyToViews(this.views, change, {
      derived: this.deps.derived,
      logger: this.deps.logger,
      logContext: { shardId },
      shouldStop: stop,
      detach,
      ...(this.options.fanoutYields === false ? {} : { priority: this.foreground }),
      onRetry: async (view, error) => {
        this.lastError = `${view.name}: ${error instanceof Error ? error.message : String(error)}`;
        // The retry reads afresh: what was kept may be what it failed on.
        reads.forget();
        // Never apply a record under a lease that may have passed to another worker.
        const renewed = await untilDone(
          () => this.lease(stream, shardId),
          stop,
          (renewal) => this.deps.logger?.warn({ err: renewal, shardId }, 'shard lease not renewed yet; retrying'),
        );
        if (renewed !== held) throw new ApplyAborted('shard lease lost');
      },
      onView: (view, outcome, ms) => {
        if (!outcome.applied) this.deadLetters.set(view.name, (this.deadLetters.get(view.name) ?? 0) + 1);
        this.processed.set(view.name, (this.processed.get(view.name) ?? 0) + 1);
        viewTimes[view.name] = ms;
      },
    }));
    lane.applied++;
    const read = this.readTimes.get(record);
    if (read) this.deps.onApplied?.(record, { ...read, started, applied: Date.now(), views: viewTimes });
  }

  /**
   * Reads the shard's next batch (while the lane has room) and waits until every record read
   * is applied, or `pollMs` while a detached fan-out runs; then checkpoints the finished
   * prefix. Returns the records applied (one more while some are still running), undefined
   * when the shard belongs to another worker.
   */
  private async step(stream: StreamRef, shardId: string): Promise<number | undefined> {
    const held = await this.lease(stream, shardId);
    if (!held) return undefined;
    if (held.finished) {
      this.finished.add(shardId);
      this.held.delete(shardId);
      return 0;
    }
    this.deps.onRead?.('start', shardId);
    try {
      if (held.lane.aborted) {
        // Start again from the checkpoint, once the records of the old lane stopped writing.
        await held.lane.idle();
        held.lane = this.newLane(stream, shardId, held);
      }
      const lane = held.lane;
      if (!lane.ended && lane.hasRoom) {
        lane.iterator ??= await this.freshIterator(stream, shardId, lane.lastRead ?? held.sequenceNumber);
        if (!lane.iterator) return 0;
        let batch;
        const readStart = Date.now();
        try {
          batch = await readRecords(this.deps.streams, lane.iterator, BATCH);
        } catch (error) {
          // Iterators expire after 15 minutes; the last record read says where to start again.
          if (error instanceof Error && error.name === 'ExpiredIteratorException') {
            lane.iterator = undefined;
            return 0;
          }
          throw error;
        }
        lane.iterator = batch.next;
        lane.ended = batch.next === undefined;
        const mark = this.deps.reads.batchRead();
        for (const record of batch.records) this.batchMarks.set(record, mark);
        if (this.deps.onApplied) {
          const readEnd = Date.now();
          for (const record of batch.records) this.readTimes.set(record, { readStart, readEnd });
        }
        lane.add(batch.records);
      }
      lane.pump();
      const poll = lane.detachedRunning ? Math.min(this.options.pollMs, this.options.detachedPollMs ?? DETACHED_POLL_MS) : this.options.pollMs;
      if (lane.busy) await lane.wait(poll, () => this.stopping);
      if (lane.failure !== undefined) throw lane.failure;
      const done = lane.takeDone();
      const finished = lane.ended && !lane.busy;
      if (done.sequenceNumber !== undefined || finished) {
        const checkpoint = { sequenceNumber: done.sequenceNumber ?? held.sequenceNumber, finished };
        held.saving = checkpoint.sequenceNumber;
        const saved = await saveCheckpoint(this.deps.derived, stream.label, shardId, this.owner, checkpoint, this.options.leaseMs).finally(() => {
          held.saving = undefined;
        });
        if (!saved) {
          this.deps.logger?.warn({ shardId }, 'shard lease lost before its checkpoint; the new holder replays from the last one');
          this.drop(shardId);
          return undefined;
        }
        Object.assign(held, checkpoint, { until: Date.now() + this.options.leaseMs });
      }
      if (finished) {
        this.finished.add(shardId);
        this.held.delete(shardId);
        // The shard ended: its children (a split, or the next shard) are in the next listing.
        this.refreshedAt = 0;
      }
      const applied = lane.applied;
      lane.applied = 0;
      return applied + (lane.busy ? 1 : 0);
    } catch (error) {
      if (error instanceof ApplyAborted) {
        // Not applied, not checkpointed: the shard's next reader starts at the checkpoint again.
        held.lane.abort();
        held.until = 0;
        return undefined;
      }
      throw error;
    } finally {
      this.deps.onRead?.('end', shardId);
    }
  }

  /** The record as a change; one that cannot be decoded is set aside (dead-letters.ts), not retried. */
  private async decode(record: StreamRecord): Promise<Change | undefined> {
    const { change, setAside } = await decodeOrSetAside(this.deps.derived, { record, sequenceNumber: record.dynamodb?.SequenceNumber }, () => toChange(record), {
      logger: this.deps.logger,
      shouldStop: () => this.stopping,
    });
    if (setAside) this.deadLetters.set(UNDECODABLE, (this.deadLetters.get(UNDECODABLE) ?? 0) + 1);
    return change;
  }

  private async freshIterator(stream: StreamRef, shardId: string, after: string | undefined): Promise<string | undefined> {
    try {
      return await shardIterator(this.deps.streams, stream.arn, shardId, after);
    } catch (error) {
      // The checkpoint is older than the stream's 24-hour retention: start from what is left.
      if (error instanceof Error && error.name === 'TrimmedDataAccessException' && after) {
        this.deps.logger?.error({ shardId, after }, 'checkpoint past stream retention; records were lost, run doctor --fix');
        return shardIterator(this.deps.streams, stream.arn, shardId, undefined);
      }
      throw error;
    }
  }
}
