/**
 * The records of one shard read but not yet checkpointed, and the order they are applied in.
 *
 * Records are applied one at a time, in stream order, with one exception: a record whose
 * view says the rest of its work commutes with records of other partition keys (a large
 * fan-out calls `detach()`) goes on in the background, and later records start meanwhile.
 * Those of the detached record's own partition key (for a photo, its author's profile,
 * photos and followers) keep waiting for it, in order; records of other partition keys pass.
 * The checkpoint is the last record of the longest finished prefix: it never moves past a
 * record still being applied, so a crash replays the unfinished fan-out and everything after
 * it (idempotent writes). The window of records read ahead and the detached records at once
 * are both bounded.
 *
 * A record being applied in the foreground (not detached) has priority on the engine: while
 * one runs in any of the worker's lanes, detached fan-outs keep one BatchWriteItem in flight
 * instead of FEED_FANOUT_CONCURRENCY (`Foreground`, store/writes.ts), so a small author's
 * reads and writes wait behind one of the fan-out's requests, not eight.
 */
import type { WritePriority } from './store/writes.js';
import type { StreamRecord } from './stream.js';

/** The records being applied in the foreground across a worker's lanes: what detached fan-outs' writers yield to. */
export class Foreground implements WritePriority {
  private count = 0;
  private settle: (() => void)[] = [];

  yielding(): boolean {
    return this.count > 0;
  }

  settled(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.settle.push(resolve));
  }

  /** A record starts in the foreground; the returned function (idempotent) says it left it (detached or ended). */
  enter(): () => void {
    this.count++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      if (--this.count > 0) return;
      const settle = this.settle;
      this.settle = [];
      for (const resolve of settle) resolve();
    };
  }
}

export interface LaneLimits {
  /** Records read and not yet checkpointed: no more is read past this many. */
  window: number;
  /** Detached records running at once: the next record waits while this many run. */
  detached: number;
}

type State = 'queued' | 'running' | 'detached' | 'done' | 'failed';

interface Entry {
  record: StreamRecord;
  sequenceNumber: string | undefined;
  /** The partition key: records sharing it are applied in stream order, always. */
  key: string | undefined;
  /** When the write happened (epoch ms): the lag while it is pending. */
  at: number;
  state: State;
}

/** Applies one record; `detach()` lets later records of other partition keys start before it ends. */
export type ApplyRecord = (record: StreamRecord, detach: () => void) => Promise<void>;

export class Lane {
  /** The shard iterator after the last record read; undefined before the first read (or after a reset). */
  iterator: string | undefined;
  /** The sequence number of the last record read: where a fresh iterator starts. */
  lastRead: string | undefined;
  /** The shard is closed and every record of it was read. */
  ended = false;
  /** The first error of a record (the lane then starts nothing more). */
  failure: Error | undefined;
  aborted = false;
  /** Records applied with a change for the views, since the consumer last took the count. */
  applied = 0;
  private readonly entries: Entry[] = [];
  private running = 0;
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly apply: ApplyRecord,
    private readonly limits: LaneLimits,
    /** Checked before each start (the lease still held, the worker not stopping). */
    private readonly canStart: () => boolean,
    /** Shared by the worker's lanes: a record runs in it until it ends or detaches. */
    private readonly foreground = new Foreground(),
  ) {}

  get hasRoom(): boolean {
    return this.entries.length < this.limits.window;
  }

  /** Some record read is not applied yet. */
  get busy(): boolean {
    return this.entries.some((e) => e.state !== 'done');
  }

  /** A detached record is still being applied (the worker then polls sooner: lane.ts's callers). */
  get detachedRunning(): boolean {
    return this.entries.some((e) => e.state === 'detached');
  }

  /** The write time of the oldest record not applied yet. */
  get oldestPendingAt(): number | undefined {
    return this.entries.find((e) => e.state !== 'done')?.at;
  }

  add(records: StreamRecord[]): void {
    for (const record of records) {
      const data = record.dynamodb;
      this.entries.push({
        record,
        sequenceNumber: data?.SequenceNumber,
        key: data?.Keys?.PK?.S,
        at: data?.ApproximateCreationDateTime?.getTime() ?? Date.now(),
        state: 'queued',
      });
      this.lastRead = data?.SequenceNumber ?? this.lastRead;
    }
    this.pump();
  }

  /** Starts what may start: nothing while an ordinary record runs; a record waits for a detached one of its key. */
  pump(): void {
    if (this.aborted || this.failure !== undefined) return;
    if (this.entries.some((e) => e.state === 'running' || e.state === 'failed')) return;
    let detached = 0;
    const waiting = new Set<string>();
    for (const entry of this.entries) {
      if (entry.state === 'done') continue;
      if (entry.state === 'detached') {
        detached++;
        if (entry.key !== undefined) waiting.add(entry.key);
        continue;
      }
      // Queued: behind a detached (or waiting) record of its key, it waits, and so do later ones of that key.
      if (entry.key !== undefined && waiting.has(entry.key)) continue;
      if (detached >= this.limits.detached || !this.canStart()) return;
      this.start(entry);
      return;
    }
  }

  private start(entry: Entry): void {
    entry.state = 'running';
    this.running++;
    const leave = this.foreground.enter();
    const detach = () => {
      if (entry.state !== 'running') return;
      entry.state = 'detached';
      leave();
      this.pump();
      this.notify();
    };
    this.apply(entry.record, detach).then(
      () => {
        entry.state = 'done';
      },
      (error: unknown) => {
        entry.state = 'failed';
        this.failure ??= error instanceof Error ? error : new Error(`record not applied: ${JSON.stringify(error)}`);
      },
    ).finally(() => {
      leave();
      this.running--;
      this.pump();
      this.notify();
    });
  }

  /**
   * Takes the finished prefix off the lane: how many records it held and the sequence number
   * the checkpoint may move to (undefined when the first record is still pending).
   */
  takeDone(): { records: number; sequenceNumber: string | undefined } {
    let records = 0;
    let sequenceNumber: string | undefined;
    while (this.entries[0]?.state === 'done') {
      const entry = this.entries.shift()!;
      records++;
      sequenceNumber = entry.sequenceNumber ?? sequenceNumber;
    }
    return { records, sequenceNumber };
  }

  /** Resolves when nothing is pending, a record failed, the lane was aborted, `stop()` says so, or after `ms`. */
  wait(ms: number, stop: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!this.busy || this.failure !== undefined || this.aborted || stop()) finish();
      };
      const finish = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(finish, ms);
      this.listeners.add(check);
      check();
    });
  }

  /** Starts nothing more; the records running go on until they end (or see the abort at their next retry). */
  abort(): void {
    this.aborted = true;
    this.notify();
  }

  /** Resolves once no record of this lane runs any more. */
  idle(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.running > 0) return;
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
      check();
    });
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
