/**
 * The app's two layouts, in both themes (each screen visited once and checked in each, the
 * theme switched on the open page: it is CSS only): a phone (390x844: top bar, bottom navigation of icons,
 * photos edge to edge) and a desktop (1280x800: side navigation with labels, the feed beside
 * suggestions, a 3-column profile grid, the photo beside its side column). Boxes and positions
 * are asserted, not pixels. Then the states: skeletons while a list loads (its answer held by a
 * route handler until the skeleton has been seen), empty lists with their next step, the
 * offline banner, the full date of a relative time on a long press, and a screen whose code
 * cannot be fetched.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type Session } from '../http/support.js';
import { waitFor } from '../support/wait.js';
import { DERIVED_WAIT_MS, inEachTheme, samplePhoto, signedInContext, visit, VIEWPORTS, type Layout, type WebRig, startWebRig } from './support.js';

let rig: WebRig;
/** Posts four photos (one portrait); Vera follows her; Fern is new (follows nobody, no photos). */
let olive: Session;
let vera: Session;
let fern: Session;
let portraitId: string;

async function postPhoto(session: Session, seed: number, size: [number, number]): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await samplePhoto(seed, ...size))], { type: 'image/jpeg' }), 'photo.jpg');
  form.append('caption', `Photo ${seed}`);
  const answer = await rig.api.call('POST', `/v1/users/${session.username}/photos`, { token: session.accessToken, body: form });
  expect(answer.status).toBe(201);
  return (answer.body as { id: string }).id;
}

beforeAll(async () => {
  rig = await startWebRig({ worker: true });
  [olive, vera, fern] = await Promise.all([signUp(rig.api, 'olive'), signUp(rig.api, 'vera'), signUp(rig.api, 'fern')]);
  await postPhoto(olive, 1, [640, 480]);
  await postPhoto(olive, 2, [640, 480]);
  await postPhoto(olive, 3, [480, 480]);
  portraitId = await postPhoto(olive, 4, [360, 640]);
  expect((await rig.api.call('PUT', '/v1/users/olive/followers/me', { token: vera.accessToken })).status).toBe(201);
  const feedLength = async () => ((await rig.api.call('GET', '/v1/me/feed?limit=8', { token: vera.accessToken })).body as { items: unknown[] }).items.length;
  await waitFor(async () => (await feedLength()) >= 4, { what: "Vera's feed to hold Olive's four photos", timeoutMs: DERIVED_WAIT_MS });
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

async function box(page: Page, selector: string): Promise<Box> {
  const found = await page.locator(selector).first().boundingBox();
  if (!found) throw new Error(`${selector} is not laid out`);
  return found;
}

/** Holds every request matching `pattern` until `release()` (an order, not a delay), which lets them through. */
async function hold(page: Page, pattern: string): Promise<() => Promise<void>> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const passed: Promise<void>[] = [];
  await page.route(pattern, (route) => {
    passed.push(released.then(() => route.continue()));
  });
  return async () => {
    release();
    await Promise.all(passed);
    await page.unroute(pattern);
  };
}

describe.each(Object.keys(VIEWPORTS) as Layout[])('the %s layout', (layout) => {
  const viewport = VIEWPORTS[layout];
  const desktop = layout === 'desktop';

  // Each test visits its screens once and checks each in both themes, switched on the open page.
  it('frames the screens in either theme: navigation, feed (and a time\'s full date on a long press), profile grid, photo page', async () => {
    const { context, page } = await signedInContext(rig.browser, rig.api.url, vera, { viewport });
    try {
      await page.goto('/');
      await page.getByRole('article').first().waitFor();
      await inEachTheme(page, async () => {
        // The navigation: along the bottom on a phone, down the left side on a desktop; its labels shown only there.
        const nav = await box(page, 'nav[aria-label="Main"]');
        const label = await box(page, 'nav .nav-link .label');
        const home = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home', exact: true });
        expect(await home.getAttribute('aria-current')).toBe('page');
        if (desktop) {
          expect(nav).toMatchObject({ x: 0, y: 0, height: viewport.height });
          expect(nav.width).toBeLessThan(300);
          expect(label.width).toBeGreaterThan(20);
          expect(await page.locator('nav .nav-brand').isVisible()).toBe(true);
          expect(await page.locator('header.topbar').isVisible()).toBe(false);
        } else {
          expect(nav).toMatchObject({ x: 0, width: viewport.width });
          expect(nav.y + nav.height).toBeCloseTo(viewport.height, 0);
          expect(label.width).toBeLessThanOrEqual(1);
          expect(await page.locator('nav .nav-brand').isVisible()).toBe(false);
          expect(await box(page, 'header.topbar')).toMatchObject({ y: 0, width: viewport.width });
        }
        // Every navigation icon is a tap target of at least 44 px.
        for (const link of await page.locator('nav .nav-link').all()) expect((await link.boundingBox())?.height).toBeGreaterThanOrEqual(44);

        // The feed: photos edge to edge on a phone; beside the suggestions on a desktop.
        const photo = await box(page, '.feed article .frame');
        const suggestions = page.getByRole('complementary', { name: 'Suggested for you' });
        if (desktop) {
          expect(photo.width).toBeLessThanOrEqual(470);
          await suggestions.waitFor();
          const aside = await box(page, 'aside.suggestions');
          expect(aside.x).toBeGreaterThanOrEqual(photo.x + photo.width);
          expect(aside.y).toBeLessThan(photo.y + photo.height);
        } else {
          expect(photo).toMatchObject({ x: 0, width: viewport.width });
          expect(await suggestions.count()).toBe(0);
        }

        // Reactions: compact icon toggles with a count, mine pressed.
        const card = page.getByRole('article').first();
        await card.getByRole('button', { name: 'Heart: 0' }).click();
        const heart = card.getByRole('button', { name: 'Heart: 1', pressed: true });
        await heart.waitFor();
        expect(await heart.textContent()).toBe('1');
        await heart.click();
        await card.getByRole('button', { name: 'Heart: 0', pressed: false }).waitFor();
      });

      // A relative time's full date on a long press (the card settled: nothing left loading that could re-render it).
      const time = page.getByRole('article').first().locator('time');
      await time.waitFor();
      await expect.poll(() => page.locator('.skeleton').count()).toBe(0);
      expect(await time.textContent()).toMatch(/^(now|\d+ (s|min|h))$/);
      const full = await time.getAttribute('title');
      expect(full).toMatch(/\d{4}/);
      // A long press on a touch screen opens the context menu event: the date shows instead of a menu.
      await time.dispatchEvent('contextmenu');
      const tip = page.getByRole('tooltip');
      await tip.waitFor();
      expect(await tip.textContent()).toBe(full);
      await page.mouse.click(1, 1);
      await tip.waitFor({ state: 'detached' });

      // The profile: a 3-column grid (the fourth photo starts the second row). Screens after the
      // first are opened in the app, as a tap on a link does, not loaded cold: the layout is the same.
      await visit(page, '/u/olive');
      const cells = page.getByRole('list', { name: 'Photos' }).getByRole('listitem');
      await expect.poll(() => cells.count()).toBe(4);
      await inEachTheme(page, async () => {
        const grid = await Promise.all((await cells.all()).map(async (cell) => (await cell.boundingBox()) as Box));
        const [a, b2, c, d] = grid as [Box, Box, Box, Box];
        expect([b2.y, c.y]).toEqual([a.y, a.y]);
        expect(a.x).toBeLessThan(b2.x);
        expect(b2.x).toBeLessThan(c.x);
        expect(d.x).toBeCloseTo(a.x, 0);
        expect(d.y).toBeGreaterThanOrEqual(a.y + a.height);
        expect(a.width).toBeCloseTo(a.height, 0);
      });

      // The photo page: the photo beside its side column on a desktop, above it on a phone.
      await visit(page, `/p/${portraitId}`);
      await page.getByRole('list', { name: 'Who reacted' }).waitFor({ state: 'attached' });
      await inEachTheme(page, async () => {
        const media = await box(page, '.detail-media .frame');
        const side = await box(page, '.detail-side');
        if (desktop) {
          expect(side.x).toBeGreaterThanOrEqual(media.x + media.width - 1);
          expect(side.y).toBeLessThan(media.y + media.height);
          // A tall photo fits the window's height instead of running below it.
          expect(media.y + media.height).toBeLessThanOrEqual(viewport.height);
        } else {
          expect(side.y).toBeGreaterThanOrEqual(media.y + media.height - 1);
          expect(media).toMatchObject({ x: 0, width: viewport.width });
        }
      });
    } finally {
      await context.close();
    }
  });

  it('shows skeletons while lists load, in either theme, then the items', async () => {
    const { context, page } = await signedInContext(rig.browser, rig.api.url, vera, { viewport });
    try {
      // The feed: grey cards until its first page answers.
      let release = await hold(page, '**/v1/me/feed**');
      await page.goto('/');
      const skeleton = page.locator('.skeleton');
      await skeleton.first().waitFor();
      await inEachTheme(page, async () => {
        expect(await page.getByRole('article').count()).toBe(0);
        expect((await box(page, '.skeleton .frame')).height).toBeGreaterThan(100);
      });
      await release();
      await skeleton.first().waitFor({ state: 'detached' });
      await page.getByRole('article').first().waitFor();

      // A photo seen in the feed opens as its box at its size, painted with its ThumbHash, before its read answers.
      release = await hold(page, `**/v1/photos/${portraitId}?expand=*`);
      await page.getByRole('link', { name: /Open the photo by .*Photo 4/ }).click();
      await skeleton.first().waitFor();
      await inEachTheme(page, async () => {
        const held = await page.evaluate(() => {
          const frame = document.querySelector('.skeleton .frame') as HTMLElement;
          const rect = frame.getBoundingClientRect();
          return { ratio: rect.height / rect.width, painted: frame.style.backgroundImage.startsWith('url("data:image/png') };
        });
        expect(held.painted).toBe(true);
        expect(held.ratio).toBeCloseTo(640 / 360, 1);
      });
      await release();
      await page.getByRole('list', { name: 'Who reacted' }).waitFor({ state: 'attached' });
      // Who reacted and the comments came in the same answer: no skeleton left.
      await expect.poll(() => skeleton.count()).toBe(0);

      // The profile's grid: grey squares until its one call (the profile with its photos) answers.
      release = await hold(page, '**/v1/users/olive?expand=photos*');
      await visit(page, '/u/olive');
      await page.locator('.grid-skeleton').waitFor();
      await inEachTheme(page, () => page.locator('.grid-skeleton').waitFor());
      await release();
      await expect.poll(() => page.getByRole('list', { name: 'Photos' }).getByRole('listitem').count()).toBe(4);
      expect(await skeleton.count()).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('offers a next step on empty lists, and says when it is offline, in either theme', async () => {
    const { context, page } = await signedInContext(rig.browser, rig.api.url, fern, { viewport });
    try {
      await page.goto('/');
      const findPeople = page.getByRole('main').getByRole('link', { name: 'Find people to follow' });
      await findPeople.waitFor();
      await inEachTheme(page, async () => {
        await findPeople.waitFor();
        expect(await findPeople.getAttribute('href')).toBe('/search');
      });

      await visit(page, '/u/fern');
      const share = page.getByRole('link', { name: 'Share your first photo' });
      await share.waitFor();
      await inEachTheme(page, async () => {
        await share.waitFor();
        expect(await share.getAttribute('href')).toBe('/upload');
      });

      // Someone else's empty profile offers no upload.
      await page.goto('/u/vera');
      await page.getByText('No photos yet').waitFor();
      expect(await share.count()).toBe(0);

      await visit(page, '/activity');
      await page.getByText('No activity yet').waitFor();

      const banner = page.getByRole('status').filter({ hasText: 'offline' });
      expect(await banner.count()).toBe(0);
      await context.setOffline(true);
      await banner.waitFor();
      await inEachTheme(page, async () => {
        await banner.waitFor();
        const shown = await box(page, '.offline-banner');
        expect(shown.width).toBeGreaterThan(200);
      });
      await context.setOffline(false);
      await banner.waitFor({ state: 'detached' });
    } finally {
      await context.close();
    }
  });
});

describe('a screen whose code cannot be fetched', () => {
  it('says so and offers a reload, instead of a blank page', async () => {
    const { context, page } = await signedInContext(rig.browser, rig.api.url, vera, { viewport: VIEWPORTS.phone });
    try {
      await page.route('**/assets/settings-*.js', (route) => route.abort('internetdisconnected'));
      await page.goto('/settings');
      await page.getByRole('heading', { name: 'This screen didn’t load' }).waitFor();
      await page.getByRole('button', { name: 'Reload' }).waitFor();
      // The frame stays usable around it.
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home', exact: true }).click();
      await page.getByRole('article').first().waitFor();
    } finally {
      await context.close();
    }
  });
});
