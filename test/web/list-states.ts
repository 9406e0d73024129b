/**
 * A list screen's empty, failed and offline states, checked the same way on every list: empty
 * shows its message and next step; failed shows an error in place, retries on its own a few
 * times (1, 2 then 4 s apart, the button reading "Retry now") and stops, and pressing Retry once
 * the service answers brings the list back; offline shows the banner and makes no request storm
 * at the end of the list. These are the same components in every layout and theme, so one pass
 * per list (phone, light) covers them.
 */
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import type { ListControl } from './list-control.js';
import { frames } from './support.js';

export interface ListStates {
  /** Opens the screen cold (a page load, typing a query if it has one). */
  open(): Promise<void>;
  /** Opens it for the empty check; `open` unless the screen is cheaper to visit in the app. */
  openEmpty?: () => Promise<void>;
  /** The region holding the list's error and Retry (the photo page has other lists beside it). */
  within?: string;
  /** The list's items. */
  items: string;
  /** The empty message and its next step, when the screen has one. */
  empty?: { text: RegExp | string; next?: { role: 'link' | 'textbox'; name: string } };
  /** What the service answers once it is back: items (the default), or an empty page for a list with none. */
  recovered?: 'items' | 'empty';
}

/** A handful: the first request and the list's own three retries, and one spare. */
const MOST_REQUESTS_WHILE_FAILING = 5;
/** Longer than the list's longest wait between retries (4 s), so each jump fires the one pending. */
const RETRY_JUMP_MS = 5_000;
/** The first request and its three retries, and one jump spare for a retry not yet scheduled. */
const MOST_JUMPS = 5;

/** Pages whose clock the check controls (installed once: the install stays with the page across loads). */
const clocked = new WeakSet<Page>();

/**
 * Moves the page's clock past each retry the list schedules until it stops on its own, instead
 * of waiting out 1 + 2 + 4 s: each jump fires the retry pending, if any, and then the next
 * request (or the stop) is waited for. A jump made while a request is still out finds no timer;
 * the retry it schedules then fires in real time, as before.
 */
export async function skipRetries(page: Page, requests: () => number, stopped: Locator): Promise<void> {
  for (let jumps = 0; jumps < MOST_JUMPS && (await stopped.count()) === 0; jumps++) {
    const asked = requests();
    await page.clock.fastForward(RETRY_JUMP_MS);
    await expect.poll(async () => requests() > asked || (await stopped.count()) > 0).toBe(true);
  }
}

export async function checkEmptyFailedOffline(page: Page, context: BrowserContext, list: ListControl, screen: ListStates): Promise<void> {
  const region = page.locator(screen.within ?? 'body');
  if (screen.empty) {
    list.set('empty');
    await (screen.openEmpty ?? screen.open)();
    await page.getByText(screen.empty.text).first().waitFor();
    if (screen.empty.next) await page.getByRole(screen.empty.next.role, { name: screen.empty.next.name }).first().waitFor();
    expect(await page.locator(screen.items).count()).toBe(0);
  }

  // Pressing only once the list has stopped on its own ("Retry", not "Retry now") means what
  // shows next comes from the press, never from a timer that fired first.
  list.set('fail');
  const before = list.count();
  if (!clocked.has(page)) {
    // Time still flows as usual; skipRetries only jumps it forward.
    await page.clock.install();
    clocked.add(page);
  }
  await screen.open();
  const retry = region.getByRole('button', { name: 'Retry', exact: true });
  await skipRetries(page, () => list.count(), retry.first());
  await retry.first().waitFor({ timeout: 30_000 });
  await region.getByRole('alert').filter({ hasText: /failed|wrong|error/i }).first().waitFor();
  expect(list.count() - before).toBeLessThanOrEqual(MOST_REQUESTS_WHILE_FAILING);
  const recovered = screen.recovered ?? 'items';
  list.set(recovered === 'empty' ? 'empty' : 'pass');
  await retry.first().click();
  if (recovered === 'empty' && screen.empty) await page.getByText(screen.empty.text).first().waitFor();
  else await page.locator(screen.items).first().waitFor();
  await expect.poll(() => region.getByRole('button', { name: /^Retry/ }).count()).toBe(0);

  await page.locator('html[data-warmed]').waitFor({ state: 'attached' });
  const online = list.count();
  await context.setOffline(true);
  try {
    await page.locator('.offline-banner.shown').waitFor();
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await frames(page);
    expect(list.count() - online).toBeLessThanOrEqual(1);
  } finally {
    await context.setOffline(false);
  }
}
