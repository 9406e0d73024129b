/**
 * Waiting for a condition, with a bound: the one way tests wait (a fixed sleep before an
 * assertion passes or fails with the machine's speed). Inside a test `expect.poll` does the
 * same; this serves hooks and helpers, and says what it waited for when the bound runs out.
 */
export interface WaitOptions {
  /** What is awaited, for the error. */
  what: string;
  /** The bound: generous, since a loaded 2-core machine is slow; reaching it is a failure. */
  timeoutMs?: number;
  /** Pause between checks. */
  intervalMs?: number;
}

/** Resolves with the first truthy value of `check`; throws once `timeoutMs` has passed without one. */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions): Promise<NonNullable<T>> {
  const { what, timeoutMs = 30_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
