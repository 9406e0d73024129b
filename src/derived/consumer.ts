/**
 * The stream consumer core: one instance per derived view, each with its own checkpoints, so
 * a slow fan-out never delays activity or the directory. It reads every shard in sequence
 * order, parents before children (a split closes a shard and opens two), applies each record
 * to its view, and checkpoints after each applied batch.
 *
 * A new view is an object with a name and an `apply(change)`; a new item type is a new
 * `kind` in schema/keys.ts's classifyKey, which views that do not care about simply ignore.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { backoff, type Db } from '../patterns/db.js';
import { derivedKeys } from '../schema/keys.js';
import { readCheckpoint, writeCheckpoint, type Checkpoint } from './checkpoints.js';
import { toChange, type Change } from './records.js';
import { findStream, listShards, readRecords, shardIterator, type ShardInfo, type StreamRef } from './stream.js';

export interface DerivedView {
  readonly name: string;
  /** Must be idempotent: a record may be applied again after a crash. */
  apply(change: Change): Promise<void>;
}

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
  /** The derived table (checkpoints). */
  derived: Db;
  logger?: ConsumerLogger | undefined;
}

export interface ConsumerStatus {
  view: string;
  /** Seconds between now and the oldest write not yet applied; 0 when caught up, null before the first pass. */
  lagSeconds: number | null;
  processed: number;
  shards: number;
  /** Records given up on after repeated failures (kept in the derived table, DEADLETTER#<view>). */
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

const BATCH = 100;
const APPLY_ATTEMPTS = 5;
/** Shards and the stream ARN are re-read this often (and whenever a shard ends). */
const REFRESH_MS = 10_000;

export class StreamConsumer {
  private stream: StreamRef | undefined;
  private shards: ShardInfo[] = [];
  private refreshedAt = 0;
  private readonly checkpoints = new Map<string, Checkpoint>();
  private readonly iterators = new Map<string, string>();
  private readonly shardLag = new Map<string, number>();
  private processed = 0;
  private deadLetters = 0;
  private passes = 0;
  private caughtUpAt: number | null = null;
  private lastError: string | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly deps: ConsumerDeps,
    readonly view: DerivedView,
    private readonly pollMs = 250,
  ) {}

  status(): ConsumerStatus {
    const lags = [...this.shardLag.values()];
    return {
      view: this.view.name,
      lagSeconds: this.passes === 0 ? null : Math.max(0, ...lags),
      processed: this.processed,
      shards: this.shards.length,
      deadLetters: this.deadLetters,
      caughtUpAt: this.caughtUpAt,
      ...(this.lastError ? { lastError: this.lastError } : {}),
    };
  }

  /** Runs passes until `stop()`; errors are logged and retried, never thrown. */
  start(): void {
    this.running ??= (async () => {
      for (let failures = 0; !this.stopping; ) {
        try {
          const applied = await this.pass();
          failures = 0;
          this.lastError = undefined;
          if (applied === 0) await this.sleep(this.pollMs);
        } catch (error) {
          this.lastError = error instanceof Error ? error.message : String(error);
          this.deps.logger?.warn({ err: error, view: this.view.name }, 'stream consumer pass failed; retrying');
          this.refreshedAt = 0;
          this.iterators.clear();
          await this.sleep(Math.min(5_000, 100 * 2 ** Math.min(failures++, 6)));
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.running;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** One pass over every readable shard up to its current end. Returns the records applied. */
  async pass(): Promise<number> {
    const startedAt = Date.now();
    await this.refresh();
    const stream = this.stream;
    if (!stream) return 0;
    let applied = 0;
    const known = new Set(this.shards.map((s) => s.shardId));
    for (const shard of this.shards) {
      if (this.stopping) break;
      const checkpoint = await this.checkpoint(stream, shard.shardId);
      if (checkpoint.finished) {
        this.shardLag.delete(shard.shardId);
        continue;
      }
      // A child starts only once its parent is read to the end (or trimmed away).
      if (shard.parentShardId && known.has(shard.parentShardId)) {
        const parent = await this.checkpoint(stream, shard.parentShardId);
        if (!parent.finished) continue;
      }
      applied += await this.readShard(stream, shard.shardId, checkpoint);
    }
    this.passes++;
    if (applied === 0 && !this.stopping) this.caughtUpAt = startedAt;
    return applied;
  }

  private async refresh(): Promise<void> {
    if (this.stream && Date.now() - this.refreshedAt < REFRESH_MS) return;
    const stream = await findStream(this.deps.client, this.deps.db.table);
    if (stream?.arn !== this.stream?.arn) {
      this.checkpoints.clear();
      this.iterators.clear();
    }
    this.stream = stream;
    this.shards = stream ? await listShards(this.deps.streams, stream.arn) : [];
    this.refreshedAt = Date.now();
  }

  private async checkpoint(stream: StreamRef, shardId: string): Promise<Checkpoint> {
    let checkpoint = this.checkpoints.get(shardId);
    if (!checkpoint) {
      checkpoint = await readCheckpoint(this.deps.derived, this.view.name, stream.label, shardId);
      this.checkpoints.set(shardId, checkpoint);
    }
    return checkpoint;
  }

  private async readShard(stream: StreamRef, shardId: string, checkpoint: Checkpoint): Promise<number> {
    let applied = 0;
    let iterator = this.iterators.get(shardId);
    for (;;) {
      if (this.stopping) return applied;
      iterator ??= await this.freshIterator(stream, shardId, checkpoint.sequenceNumber);
      if (!iterator) return applied;
      let batch;
      try {
        batch = await readRecords(this.deps.streams, iterator, BATCH);
      } catch (error) {
        // Iterators expire after 15 minutes; the checkpoint says where to start again.
        if (error instanceof Error && error.name === 'ExpiredIteratorException') {
          this.iterators.delete(shardId);
          iterator = undefined;
          continue;
        }
        throw error;
      }
      for (const record of batch.records) {
        const change = toChange(record);
        if (change) {
          this.shardLag.set(shardId, Math.max(0, (Date.now() - change.at.getTime()) / 1000));
          await this.applyWithRetry(change);
          applied++;
          this.processed++;
        }
        checkpoint.sequenceNumber = record.dynamodb?.SequenceNumber ?? checkpoint.sequenceNumber;
      }
      if (batch.next === undefined) {
        checkpoint.finished = true;
        await writeCheckpoint(this.deps.derived, this.view.name, stream.label, shardId, checkpoint);
        this.iterators.delete(shardId);
        this.shardLag.delete(shardId);
        // The shard ended: its children (a split, or the next shard) are in the next listing.
        this.refreshedAt = 0;
        return applied;
      }
      if (batch.records.length > 0) await writeCheckpoint(this.deps.derived, this.view.name, stream.label, shardId, checkpoint);
      iterator = batch.next;
      this.iterators.set(shardId, iterator);
      if (batch.records.length === 0) {
        this.shardLag.set(shardId, 0);
        return applied;
      }
    }
  }

  private async freshIterator(stream: StreamRef, shardId: string, after: string | undefined): Promise<string | undefined> {
    try {
      return await shardIterator(this.deps.streams, stream.arn, shardId, after);
    } catch (error) {
      // The checkpoint is older than the stream's 24-hour retention: start from what is left.
      if (error instanceof Error && error.name === 'TrimmedDataAccessException' && after) {
        this.deps.logger?.error({ view: this.view.name, shardId, after }, 'checkpoint past stream retention; records were lost, run doctor --fix');
        return shardIterator(this.deps.streams, stream.arn, shardId, undefined);
      }
      throw error;
    }
  }

  /** A record that keeps failing is set aside so that one bad item cannot stall the view. */
  private async applyWithRetry(change: Change): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await this.view.apply(change);
        return;
      } catch (error) {
        if (attempt + 1 < APPLY_ATTEMPTS && !this.stopping) {
          await backoff(attempt, 100, 2_000);
          continue;
        }
        if (this.stopping) throw error;
        this.deadLetters++;
        this.deps.logger?.error({ err: error, view: this.view.name, sequenceNumber: change.sequenceNumber }, 'stream record set aside');
        await this.deps.derived.doc.send(
          new PutCommand({
            TableName: this.deps.derived.table,
            Item: {
              ...derivedKeys.deadLetter(this.view.name, change.sequenceNumber),
              change: JSON.stringify(change),
              error: error instanceof Error ? error.message : String(error),
            },
          }),
        );
        return;
      }
    }
  }
}
