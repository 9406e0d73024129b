/**
 * Drives one API list's answers from a browser test: passed through, held until `release()` (an
 * order, not a delay), failed with a 500, or answered with an empty page; counts the GETs it saw.
 * Writes to the same path (a comment posted, say) always pass. For the state tables of the web
 * tests (test/web/screens-new.test.ts, test/web/screen-states.test.ts).
 */
import type { Page, Route } from 'playwright-core';

export type ListMode = 'pass' | 'hold' | 'fail' | 'empty';

export interface ListControl {
  stop(): Promise<void>;
  set(next: ListMode): void;
  release(): void;
  count(): number;
}

/**
 * `emptied` makes the empty answer from the real one, for a list that comes inside another answer
 * (a profile's first page of photos); without it the empty answer is an empty page.
 */
export async function controlList(page: Page, matches: (url: URL) => boolean, emptied?: (body: Record<string, unknown>) => unknown): Promise<ListControl> {
  let mode: ListMode = 'pass';
  let release = () => {};
  let seen = 0;
  const handle = async (route: Route) => {
    if (route.request().method() !== 'GET') return route.continue();
    seen++;
    if (mode === 'hold') await new Promise<void>((resolve) => (release = resolve));
    if (mode === 'fail') return route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'INTERNAL', message: 'Something failed on our side.' } }) });
    if (mode === 'empty' && emptied) {
      const response = await route.fetch();
      return route.fulfill({ response, json: emptied((await response.json()) as Record<string, unknown>) });
    }
    if (mode === 'empty') return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ items: [] }) });
    return route.continue().catch(() => undefined);
  };
  await page.route(matches, handle);
  return {
    stop: () => page.unroute(matches, handle),
    set: (next) => void (mode = next),
    release: () => release(),
    count: () => seen,
  };
}
