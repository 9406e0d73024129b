/**
 * Every screen, in the light theme and the dark one (the system setting decides), at a phone's
 * size and a desktop's (their layouts differ: bottom or side navigation, columns), checked by
 * axe-core against WCAG 2.1 A and AA: no serious or critical violation anywhere. The screens
 * are filled (a photo, a follower, a reaction), so what is checked is what people see.
 *
 * The theme is CSS only (a prefers-color-scheme query): switching it on the open page changes
 * colours and nothing else, so each screen is checked in full in the light theme, and then in
 * the dark one by the rules that read colours. One visit per screen and size, not two, and in
 * the app as a tap on a link makes it (one cold load per size: the screens are the same DOM
 * either way, and axe, injected once, stays with the document).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photoJpeg } from '../support/images.js';
import { profile, signUp, type Session } from '../http/support.js';
import { violations } from './axe.js';
import { shownTheme, startWebRig, THEMES, visit, VIEWPORTS, type Layout, type WebRig } from './support.js';

let rig: WebRig;
let owner: Session;
let photoId: string;

beforeAll(async () => {
  rig = await startWebRig();
  owner = await signUp(rig.api, 'axe-owner');
  const fan = await signUp(rig.api, 'axe-fan');
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await photoJpeg(120, 90))], { type: 'image/jpeg' }), 'a.jpg');
  form.append('caption', 'A photo to check');
  const uploaded = await rig.api.call('POST', '/v1/users/axe-owner/photos', { token: owner.accessToken, body: form });
  expect(uploaded.status).toBe(201);
  photoId = (uploaded.body as { id: string }).id;
  expect((await rig.api.call('PUT', '/v1/users/axe-owner/followers/me', { token: fan.accessToken })).status).toBeLessThan(300);
  expect((await rig.api.call('PUT', `/v1/photos/${photoId}/reactions/heart`, { token: fan.accessToken })).status).toBeLessThan(300);
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

const SIGNED_OUT = ['/login', '/signup', '/forgot-password', '/reset-password'];
const SIGNED_IN = ['/', '/search', '/explore', '/activity', '/u/axe-owner', '/u/axe-owner/followers', '/upload', '/settings', '/u/nobody-here', 'photo'];

describe.each(Object.keys(VIEWPORTS) as Layout[])('every screen at the %s size', (layout) => {
  it('has no serious or critical axe violation in either theme', async () => {
    const [first, second] = THEMES;
    // No service worker: not what this checks, and it would sit between the page and every request.
    const context = await rig.browser.newContext({ baseURL: rig.api.url, viewport: VIEWPORTS[layout], colorScheme: first, serviceWorkers: 'block' });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const found: string[] = [];
    /** The open screen in both themes: `first` in full, then `second` by the colour rules, then back. */
    const check = async (path: string) => {
      expect(await shownTheme(page)).toBe(first);
      found.push(...(await violations(page)).map((v) => `${path} (${first}): ${v}`));
      await page.emulateMedia({ colorScheme: second });
      expect(await shownTheme(page)).toBe(second);
      found.push(...(await violations(page, 'colour')).map((v) => `${path} (${second}): ${v}`));
      await page.emulateMedia({ colorScheme: first });
    };
    /** Opens `path` in the app and waits for its own screen (the router keeps the last one up while the next one's code loads). */
    const open = async (path: string) => {
      await page.locator('main').evaluate((main) => main.setAttribute('data-left', ''));
      await visit(page, path);
      await page.locator('main:not([data-left])').waitFor();
    };
    try {
      await page.goto('/login');
      await page.locator('main').waitFor();
      // Signed out there is no frame: the forms are one centred column at any size, so the phone's pass covers them.
      for (const path of layout === 'phone' ? SIGNED_OUT : []) {
        if (path !== '/login') await open(path);
        await check(path);
      }
      if (layout === 'phone') await open('/login');
      await page.getByLabel('Username').fill('axe-owner');
      await page.getByLabel('Password').fill(profile('axe-owner').password);
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      for (const path of SIGNED_IN) {
        // The log-in lands on the feed.
        if (path !== '/') await open(path === 'photo' ? `/p/${photoId}` : path);
        await page.locator('main').waitFor();
        // Settled: no list still loading, no skeleton left.
        await expect.poll(() => page.getByText('Loading…').count()).toBe(0);
        await expect.poll(() => page.locator('.skeleton').count()).toBe(0);
        await check(path);
      }
    } finally {
      await context.close();
    }
    expect(found).toEqual([]);
  }, 240_000);
});
