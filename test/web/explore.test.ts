/**
 * First run in the browser: a new user's empty home feed offers people to follow (the most
 * followed first, each with why), Follow works in place, and the Explore tab shows a grid of
 * recent public photos of people they do not follow, each painted with its ThumbHash; its
 * empty and failed states show, and a failing list stops asking after a handful of requests.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type Api, type Session } from '../http/support.js';
import { waitFor } from '../support/wait.js';
import { DERIVED_WAIT_MS, PHONE, samplePhoto, startWebRig, STORAGE_KEY, type WebRig } from './support.js';

let rig: WebRig | undefined;
let api: Api;
let browser: Browser;
let star: Session;
let fan: Session;
let newcomer: Session;

async function postPhoto(session: Session, seed: number): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await samplePhoto(seed, 320, 240))], { type: 'image/jpeg' }), 'photo.jpg');
  expect((await api.call('POST', `/v1/users/${session.username}/photos`, { token: session.accessToken, body: form })).status).toBe(201);
}

beforeAll(async () => {
  rig = await startWebRig({ worker: true });
  ({ api, browser } = rig);
  [star, fan] = await Promise.all([signUp(api, 'star'), signUp(api, 'fan')]);
  for (let i = 1; i <= 4; i += 1) await postPhoto(star, i);
  await postPhoto(fan, 9);
  expect((await api.call('PUT', '/v1/users/star/followers/me', { token: fan.accessToken })).status).toBe(201);
  newcomer = await signUp(api, 'newcomer');
  // The stream worker lists star as popular and both in Explore a moment later.
  const suggested = async () => ((await api.call('GET', '/v1/me/suggestions', { token: newcomer.accessToken })).body as { items: { username: string; reason: string }[] }).items;
  await waitFor(async () => (await suggested()).some((u) => u.username === 'star' && u.reason === 'popular'), { what: 'star among the suggestions', timeoutMs: DERIVED_WAIT_MS });
  const explored = async () => ((await api.call('GET', '/v1/explore?limit=18', { token: newcomer.accessToken })).body as { items: unknown[] }).items.length;
  await waitFor(async () => (await explored()) >= 5, { what: 'five photos in Explore', timeoutMs: DERIVED_WAIT_MS });
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

async function signedIn(session: Session): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: PHONE, baseURL: api.url, deviceScaleFactor: 1, serviceWorkers: 'block' });
  context.setDefaultTimeout(10_000);
  const stored = JSON.stringify({ username: session.username, accessToken: session.accessToken, refreshToken: session.refreshToken, accessExpiresAt: Date.now() + 10 * 60_000 });
  await context.addInitScript(([key, value]) => localStorage.getItem(key) ?? localStorage.setItem(key, value), [STORAGE_KEY, stored] as const);
  return { context, page: await context.newPage() };
}

describe('first run', () => {
  it('the empty home feed suggests the most followed first, with why, and Follow works in place', async () => {
    const { context, page } = await signedIn(newcomer);
    try {
      await page.goto('/');
      const list = page.getByRole('list', { name: 'Suggestions' });
      const row = list.getByRole('listitem').filter({ hasText: '@star' });
      await row.waitFor();
      expect(await list.getByRole('listitem').first().textContent()).toContain('@star');
      expect(await row.textContent()).toContain('Popular');
      await row.getByRole('button', { name: 'Follow', exact: true }).click();
      await row.getByRole('button', { name: 'Unfollow' }).waitFor();
      // The same suggestions on the search screen while its query is empty.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Search', exact: true }).click();
      await page.getByRole('list', { name: 'Suggestions' }).getByRole('listitem').filter({ hasText: '@fan' }).waitFor();
      // Undone, so that the Explore test sees star again.
      expect((await api.call('DELETE', '/v1/users/star/followers/me', { token: newcomer.accessToken })).status).toBe(204);
    } finally {
      await context.close();
    }
  });

  it('Explore shows a grid of the photos of people not followed, placeholders painted, from the navigation', async () => {
    const { context, page } = await signedIn(newcomer);
    try {
      await page.goto('/');
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Explore', exact: true }).click();
      const grid = page.getByRole('list', { name: 'Photos to explore' });
      await waitFor(async () => (await grid.getByRole('listitem').count()) === 5, { what: 'five tiles', timeoutMs: 10_000 });
      const painted = await grid.locator('.frame').evaluateAll((frames) => frames.filter((f) => (f as HTMLElement).style.backgroundImage.startsWith('url(')).length);
      expect(painted).toBe(5);
      expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Explore', exact: true }).getAttribute('aria-current')).toBe('page');
      // Opening a tile opens the photo.
      await grid.getByRole('link').first().click();
      await page.waitForURL(/\/p\//);
    } finally {
      await context.close();
    }
  });

  it('Explore says when there is nothing, and stops after a few requests when the list fails', async () => {
    const { context, page } = await signedIn(newcomer);
    try {
      await page.route('**/v1/explore*', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ items: [] }) }));
      await page.goto('/explore');
      await page.getByText('Nothing to explore yet').waitFor();
      await page.unroute('**/v1/explore*');

      let asked = 0;
      await page.route('**/v1/explore*', (route) => {
        asked += 1;
        return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'ENGINE_UNAVAILABLE', message: 'The database is unavailable; try again shortly.' } }) });
      });
      await page.reload();
      await page.getByRole('alert').filter({ hasText: 'unavailable' }).waitFor();
      // Automatic retries back off and stop: the Retry button is what remains.
      await page.getByRole('button', { name: 'Retry', exact: true }).waitFor({ timeout: 15_000 });
      const settled = asked;
      expect(settled).toBeLessThanOrEqual(5);
      await page.getByRole('button', { name: 'Retry', exact: true }).click();
      await waitFor(() => asked === settled + 1, { what: 'one more request for Retry', timeoutMs: 5_000 });
    } finally {
      await context.close();
    }
  });
});
