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

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/** Resolves with the first truthy value of `check`; throws once `timeoutMs` has passed without one. */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions): Promise<Truthy<T>> {
  const { what, timeoutMs = 30_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Waits for a spawned service's `/ready` to answer 200; fails at once if the process exits first, with the end of its stderr when piped. */
export async function waitUntilReady(child: { exitCode: number | null; stderr?: NodeJS.ReadableStream | null }, url: string, timeoutMs = 120_000): Promise<void> {
  let tail = '';
  const collect = (chunk: Buffer | string) => (tail = (tail + chunk.toString()).slice(-2000));
  child.stderr?.on('data', collect);
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`the service at ${url} exited with ${child.exitCode} before it was ready${tail ? `: ${tail.trim()}` : ''}`);
        return fetch(`${url}/ready`).then((r) => r.status === 200, () => false);
      },
      { what: `${url}/ready`, timeoutMs, intervalMs: 200 },
    );
  } finally {
    child.stderr?.off('data', collect);
  }
}
