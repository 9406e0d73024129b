/**
 * Password hashing, bounded. scrypt runs on libuv's thread pool (4 threads by default), the
 * same pool that serves file reads (image downloads from the local store), DNS lookups and
 * zlib. Unbounded, a burst of log-ins queues dozens of 100 ms hashes ahead of every file read
 * and the whole service stalls. So at most `concurrency` hashes run at once (leaving pool
 * threads free), at most `queue` more wait, and past that a request is refused at once with
 * 503 PASSWORD_HASHING_BUSY and Retry-After: the wait is bounded by queue / concurrency hashes.
 */
import { scrypt as scryptCallback, type ScryptOptions } from 'node:crypto';
import { errors } from '../../errors.js';

export interface HashingLimits {
  /** Hashes running at once; keep it below the libuv pool size (UV_THREADPOOL_SIZE, 4). */
  concurrency: number;
  /** Hashes allowed to wait for a slot; past it requests are refused. */
  queue: number;
  /** log2 of scrypt's N for new hashes (PASSWORD_HASH_COST); a stored hash names its own. */
  cost: number;
}

export const DEFAULT_HASHING: HashingLimits = { concurrency: 2, queue: 32, cost: 15 };

export interface HashingStats {
  /** Hashes computed since start (a refused or pre-checked request adds none). */
  computed: number;
  /** Requests refused because the queue was full. */
  refused: number;
  /** Most hashes ever running at once. */
  peak: number;
  /** Hashes running now. */
  active: number;
  /** Hashes waiting for a slot now. */
  waiting: number;
}

class HashGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  get running(): number {
    return this.active;
  }
  get queued(): number {
    return this.waiting.length;
  }
  readonly stats: Omit<HashingStats, 'active' | 'waiting'> = { computed: 0, refused: 0, peak: 0 };
  limits: HashingLimits = { ...DEFAULT_HASHING };

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limits.concurrency) {
      if (this.waiting.length >= this.limits.queue) {
        this.stats.refused++;
        throw errors.hashingBusy();
      }
      // The slot is handed over by the finishing hash, so `active` stays counted.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    this.stats.peak = Math.max(this.stats.peak, this.active);
    try {
      this.stats.computed++;
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

const gate = new HashGate();

/** Sets the process-wide limits and cost (PASSWORD_HASH_CONCURRENCY, PASSWORD_HASH_QUEUE, PASSWORD_HASH_COST). */
export function configureHashing(limits: HashingLimits): void {
  if (!Number.isInteger(limits.concurrency) || limits.concurrency < 1) throw new Error('hashing concurrency must be at least 1');
  if (!Number.isInteger(limits.cost) || limits.cost < 10 || limits.cost > 20) throw new Error('hashing cost must be from 10 to 20');
  gate.limits = { ...limits };
}

export const hashCost = (): number => gate.limits.cost;

export const hashingStats = (): Readonly<HashingStats> => ({ ...gate.stats, active: gate.running, waiting: gate.queued });

/** scrypt through the gate: every password hash in the service goes through here. */
export function boundedScrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return gate.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scryptCallback(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))),
      ),
  );
}
