/** Paged lists with infinite scroll: the pages (usePaged) and what asks for the next one (MoreSentinel). */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { isErrorResponse, Notice, problem } from './ui.js';

export interface PageOf<T> {
  items: T[];
  nextCursor?: string;
}

/** Answers worth asking again: the network failed, or the service said to come back shortly. */
const PASSING_CODES = new Set(['ENGINE_UNAVAILABLE', 'TABLE_NOT_FOUND', 'THROTTLED', 'RATE_LIMITED', 'INTERNAL', 'PASSWORD_HASHING_BUSY']);
function isPassing(error: unknown): boolean {
  return !isErrorResponse(error) || PASSING_CODES.has(error.error.code);
}

/** Automatic retries of a page after a passing failure, 1 s, 2 s then 4 s apart; then only the Retry button. */
const AUTO_RETRIES = 3;
const retryDelayMs = (failures: number) => 1000 * 2 ** (failures - 1);

/**
 * Pages through a list: the first page when `key` changes, the next on `more()`. `load`
 * returns a page or throws what the API answered. A reload started by a new `key` wins over
 * answers still on their way for the old one. While `paused` nothing is requested (a screen
 * still waiting for what decides whether the list can be read at all).
 *
 * A failed page is never asked for in a loop: a passing failure (offline, 503) is retried a
 * few times with growing pauses (and once more when the browser comes back online), any other
 * (404, 403) not at all; then the list shows the error and waits for `more()` (the Retry button).
 */
export function usePaged<T>(key: string, load: (cursor: string | undefined) => Promise<PageOf<T>>, paused = false) {
  const [items, setItems] = useState<T[]>([]);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  // Failures in a row, and whether another automatic attempt is due.
  const [failures, setFailures] = useState({ count: 0, passing: false });
  const state = useRef<{ cursor: string | undefined; generation: number; loading: boolean; paused: boolean; load: typeof load }>({
    cursor: undefined,
    generation: 0,
    loading: false,
    paused,
    load,
  });
  state.current.load = load;
  state.current.paused = paused;

  const fetchPage = useCallback(async (reset: boolean) => {
    const current = state.current;
    if (reset) {
      current.generation += 1;
      current.cursor = undefined;
    } else if (current.loading || current.paused) {
      // A second trigger (sentinel and button) while a page is on its way would fetch that page twice.
      return;
    }
    const mine = current.generation;
    current.loading = true;
    setBusy(true);
    try {
      const page = await current.load(current.cursor);
      if (mine !== current.generation) return;
      current.cursor = page.nextCursor;
      setItems((old) => (reset ? page.items : [...old, ...page.items]));
      setDone(page.nextCursor === undefined);
      setError(undefined);
      setFailures({ count: 0, passing: false });
    } catch (e) {
      if (mine !== current.generation) return;
      setError(problem(e));
      setFailures((old) => ({ count: old.count + 1, passing: isPassing(e) }));
    } finally {
      if (mine === current.generation) {
        current.loading = false;
        setBusy(false);
      }
    }
  }, []);

  useEffect(() => {
    setItems([]);
    setDone(false);
    setError(undefined);
    setFailures({ count: 0, passing: false });
    if (!paused) {
      void fetchPage(true);
      return;
    }
    // Answers for the old key are dropped.
    state.current.generation += 1;
    state.current.loading = false;
    setBusy(false);
  }, [key, paused, fetchPage]);

  // The automatic retries: a few, further and further apart, and one when the network returns.
  useEffect(() => {
    if (!failures.passing || failures.count === 0) return;
    const again = () => void fetchPage(false);
    window.addEventListener('online', again, { once: true });
    const timer = failures.count <= AUTO_RETRIES && navigator.onLine ? setTimeout(again, retryDelayMs(failures.count)) : undefined;
    return () => {
      window.removeEventListener('online', again);
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [failures, fetchPage]);

  // The next page, or after a failure the same page again (the cursor moves only on success).
  const more = useCallback(() => fetchPage(false), [fetchPage]);
  // What the list does next on its own: try again soon, wait for the network, or nothing.
  const next: 'retrying' | 'offline' | 'stopped' = !failures.passing ? 'stopped' : !navigator.onLine ? 'offline' : failures.count <= AUTO_RETRIES ? 'retrying' : 'stopped';
  return { items, setItems, done, busy, error, next, more };
}

/**
 * Loads the next page when it scrolls into view; a button for keyboards and old browsers.
 * After a failure it stops watching the scroll (the list retries on its own schedule) and
 * offers Retry with the error beside it.
 */
export function MoreSentinel({
  list,
  started = true,
}: {
  list: { done: boolean; busy: boolean; next: 'retrying' | 'offline' | 'stopped'; error?: string | undefined; more: () => Promise<void> };
  started?: boolean;
}) {
  const { done, busy, more } = list;
  const failed = list.error !== undefined;
  const ref = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const node = ref.current;
    if (!node || done || failed) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !busy) void more();
    });
    observer.observe(node);
    return () => observer.disconnect();
  }, [done, busy, failed, more]);
  // Nothing while the first page loads: a button there would be pushed down by the items (a layout shift).
  if (done || (busy && !started)) return null;
  if (failed) {
    return (
      <div class="more-failed" data-next={list.next}>
        <Notice error={list.next === 'offline' ? 'You are offline: this list loads when the connection is back.' : list.error} inline />
        <button class="more" type="button" disabled={busy} onClick={() => void more()}>
          {busy ? 'Loading…' : list.next === 'retrying' ? 'Retry now' : 'Retry'}
        </button>
      </div>
    );
  }
  return (
    <button ref={ref} class="more" type="button" disabled={busy} onClick={() => void more()}>
      {busy ? 'Loading…' : 'Load more'}
    </button>
  );
}
