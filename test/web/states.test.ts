/**
 * States beyond the happy path: what a missing user or photo shows, and failing lists.
 *
 * A list that fails is never asked for in a loop. A missing photo costs one request and says
 * so; a list offline waits for the network and loads when it is back; a list the service
 * keeps answering 503 is retried three times, further and further apart, then waits for the
 * Retry button. "Never again" is checked after a later event that a loop would not have let
 * pass quietly: sixty animation frames, in which the old sentinel asked about twenty times.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoId } from '../../src/schema/ids.js';
import { profile, signUp } from '../http/support.js';
import { skipRetries } from './list-states.js';
import { frames, PHONE, startWebRig, type WebRig } from './support.js';

let rig: WebRig;

beforeAll(async () => {
  rig = await startWebRig();
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

/** A signed-in phone-sized page, and the API requests it makes whose path includes `part`. */
async function signedIn(username: string): Promise<{ context: BrowserContext; page: Page; requests: (part: string) => number }> {
  await signUp(rig.api, username);
  const context = await rig.browser.newContext({ baseURL: rig.api.url, viewport: PHONE });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const seen: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/v1/')) seen.push(url.pathname);
  });
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(profile(username).password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  return { context, page, requests: (part) => seen.filter((path) => path.includes(part)).length };
}

describe('missing things and failing lists', () => {
  it('a link to a missing photo: one request, a not-found page, no list asked for', async () => {
    const { context, page, requests } = await signedIn('missing-link');
    const missing = photoId('missing-link', '2020-01-01T00:00:00');
    try {
      await page.goto(`/p/${missing}`);
      await page.getByRole('heading', { name: 'This photo isn’t here' }).waitFor();
      await frames(page);
      expect(requests(`/v1/photos/${missing}`)).toBe(1);
      expect(requests('/reactions')).toBe(0);
      expect(await page.title()).toContain('Photo not found');

      // A malformed link says the same, never the validator's words.
      await page.goto('/p/bogus');
      await page.getByRole('heading', { name: 'This photo isn’t here' }).waitFor();
      expect(await page.locator('main').textContent()).not.toMatch(/must match|pattern|VALIDATION/i);
    } finally {
      await context.close();
    }
  });

  it('a missing account: a not-found page, not an empty profile', async () => {
    const { context, page } = await signedIn('looks-for-nobody');
    try {
      await page.goto('/u/nobody-here');
      await page.getByRole('heading', { name: 'This account isn’t here' }).waitFor();
      expect(await page.getByRole('link', { name: 'Back to your feed' }).count()).toBe(1);
      expect(await page.locator('header.profile').count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('offline: the list says so, asks once, and loads when the connection is back', async () => {
    const { context, page, requests } = await signedIn('offline-lists');
    try {
      // Every screen's code is in (the app fetches them once the first screen is up): the network may go.
      await page.locator('html[data-warmed]').waitFor({ state: 'attached' });
      await context.setOffline(true);
      // A client-side navigation: the app is loaded, the network is gone.
      await page.evaluate(() => {
        history.pushState(null, '', '/u/offline-lists/followers');
        dispatchEvent(new PopStateEvent('popstate'));
      });
      const failed = page.locator('.more-failed');
      await failed.waitFor();
      expect(await failed.getAttribute('data-next')).toBe('offline');
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('offline');
      await frames(page);
      expect(requests('/followers')).toBe(1);

      await context.setOffline(false);
      await failed.waitFor({ state: 'detached' });
      expect(requests('/followers')).toBe(2);
    } finally {
      await context.close();
    }
  });

  it('a service answering 503: three retries further and further apart, then only the Retry button', async () => {
    const { context, page, requests } = await signedIn('busy-lists');
    try {
      await page.clock.install();
      await page.route('**/v1/users/busy-lists/followers**', (route) =>
        route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'ENGINE_UNAVAILABLE', message: 'The database engine is unavailable; retry shortly.' } }) }),
      );
      await page.evaluate(() => {
        history.pushState(null, '', '/u/busy-lists/followers');
        dispatchEvent(new PopStateEvent('popstate'));
      });
      const failed = page.locator('.more-failed');
      await failed.waitFor();
      // 1 s, 2 s, 4 s apart: the third retry's answer ends the automatic ones. The page's clock
      // jumps past each wait (time still flows as usual otherwise).
      await skipRetries(page, () => requests('/followers'), page.locator('.more-failed[data-next="stopped"]'));
      await expect.poll(() => failed.getAttribute('data-next'), { timeout: 30_000 }).toBe('stopped');
      await frames(page);
      expect(requests('/followers')).toBe(4);
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('unavailable');

      await page.unroute('**/v1/users/busy-lists/followers**');
      await page.getByRole('button', { name: 'Retry' }).click();
      await failed.waitFor({ state: 'detached' });
      expect(requests('/followers')).toBe(5);
    } finally {
      await context.close();
    }
  }, 60_000);
});
