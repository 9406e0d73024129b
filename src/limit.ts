/** Bounded parallelism shared by the loaders, the derived writes and the tests. */

/**
 * Runs `task` over `items` with at most `concurrency` in flight, in order of start. The first
 * failure rejects the whole run (tasks already started still finish, none is started after).
 */
export async function eachLimited<T>(items: readonly T[], concurrency: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  await Promise.all(
    Array.from({ length: Math.min(Math.max(1, concurrency), items.length) }, async () => {
      while (!failed && next < items.length) {
        try {
          await task(items[next++]!);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
}
