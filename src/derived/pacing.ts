/**
 * When the stream consumer's next pass starts. A pass that found nothing is followed by the idle
 * poll, `pollMs` after it began; a write made in this process (`nudge()`, src/derived/wake.ts)
 * cuts that to `NUDGED_POLL_MS`, so it is read soon while a stream of writes still costs at most
 * one GetRecords per shard per that many milliseconds. A failed pass is followed by a capped
 * backoff, which a nudge never hurries (a write must not hurry a retry). `stop()` ends any wait.
 */

/** The soonest a pass follows the one before it once `nudge()` said something was written. */
const NUDGED_POLL_MS = 50;
/** The backoff after consecutive failed passes: 100 ms, doubling, at most this. */
const MAX_BACKOFF_MS = 5_000;

export class Pacer {
  private passStartedAt = 0;
  /** Set by `nudge()` since the current pass began. */
  private nudged = false;
  private stopped = false;
  /** Ends the wait in progress (the idle poll or a backoff). */
  private wake: (() => void) | undefined;
  /** Ends the wait in progress if it is the idle poll. */
  private wakeOnNudge: (() => void) | undefined;

  constructor(private readonly pollMs: number) {}

  /** A pass begins now: the idle poll counts from here. */
  passStarted(at: number): void {
    this.passStartedAt = at;
    this.nudged = false;
  }

  nudge(): void {
    this.nudged = true;
    this.wakeOnNudge?.();
  }

  /** The idle poll after a pass that found nothing, cut short by a nudge. */
  async idle(): Promise<void> {
    for (;;) {
      const wait = this.passStartedAt + (this.nudged ? NUDGED_POLL_MS : this.pollMs) - Date.now();
      if (wait <= 0 || this.stopped) return;
      await this.sleep(wait, true);
    }
  }

  /** The pause after the `failures`-th failed pass in a row (0 for the first). */
  backoff(failures: number): Promise<void> {
    return this.stopped ? Promise.resolve() : this.sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** Math.min(failures, 6)));
  }

  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private sleep(ms: number, nudgeable = false): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.wakeOnNudge = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
      this.wakeOnNudge = nudgeable ? done : undefined;
    });
  }
}
