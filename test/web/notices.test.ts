/**
 * The notices screen: what moderators took down of mine and why. One account, Rae, with a photo
 * taken down and a comment taken down through the patterns the CLI's `takedown` and
 * `comments takedown` run (the moderator's side has no HTTP route).
 *
 * At 390x844 and 1280x800, in both themes: a notice arriving on the event stream raises a banner
 * that links to the screen; the Activity screen links there too; each notice says what was taken
 * down, when, why and what comes next; nothing scrolls sideways; no serious or critical axe
 * violation. Then once, on the phone in the light theme: Settings' link, a skeleton while the
 * list loads, "Load more" paging, the empty list with its next step, a failure shown in place with
 * Retry, and offline with the banner and no request storm.
 *
 * The stream's answer is replaced by one `notice` event (test/http/events.test.ts follows a real
 * takedown to the stream), so no stream worker runs.
 */
import type { BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { takeDownComment, takeDownPhoto } from '../../src/patterns/index.js';
import { parseCommentId, parsePhotoId } from '../../src/schema/ids.js';
import { signUp, type Session } from '../http/support.js';
import { controlList } from './list-control.js';
import { checkEmptyFailedOffline } from './list-states.js';
import { violations } from './axe.js';
import { inEachTheme, postSamplePhoto, signedInContext, startWebRig, THEMES, VIEWPORTS, type Layout, type WebRig } from './support.js';

let rig: WebRig;
let rae: Session;
/** The photo taken down, and the photo that kept its place while Rae's comment on it went. */
let gone: string;
let kept: string;

const PHOTO_REASON = 'Nudity is not allowed on quick-photos';
const COMMENT_REASON = 'Harassment';
const noticesApi = (u: URL) => u.pathname === '/v1/notices';

beforeAll(async () => {
  rig = await startWebRig();
  rae = await signUp(rig.api, 'rae');
  gone = await postSamplePhoto(rig.api, rae, 1, 'Beach day');
  kept = await postSamplePhoto(rig.api, rae, 2, 'Hills');
  const commented = await rig.api.call('POST', `/v1/photos/${kept}/comments`, { token: rae.accessToken, json: { text: 'You all are the worst' } });
  expect(commented.status).toBe(201);
  const photo = parsePhotoId(gone);
  const comment = parseCommentId((commented.body as { id: string }).id);
  if (!photo || !comment) throw new Error('the API answered ids its own parsers refuse');
  await takeDownPhoto(rig.api.db, photo.username, photo.timestamp, PHOTO_REASON);
  await takeDownComment(rig.api.db, comment, COMMENT_REASON);
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

/** The event stream's first answer is one `notice` event; later ones (the app reconnecting) hear nothing new. */
async function oneNotice(context: BrowserContext): Promise<void> {
  let sent = false;
  await context.route(
    (url) => url.pathname === '/v1/me/events',
    (route) => {
      const body = sent ? ': nothing new\n\n' : `id: 1\nevent: notice\ndata: ${JSON.stringify({ type: 'takedown', photoId: gone })}\n\n`;
      sent = true;
      // A page closing or navigating meanwhile has dropped the request already.
      return route.fulfill({ status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' }, body }).catch(() => undefined);
    },
  );
}

const cards = (page: Page) => page.getByRole('list', { name: 'Takedown notices' }).getByRole('listitem');

describe.each(Object.keys(VIEWPORTS) as Layout[])('the %s layout', (layout) => {
  const viewport = VIEWPORTS[layout];
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    ({ context, page } = await signedInContext(rig.browser, rig.api.url, rae, { viewport, colorScheme: 'light' }));
    await oneNotice(context);
  });
  afterAll(async () => {
    await context?.close();
  });

  it('raises a banner for a live notice, links to the screen, and says what went, when, why and what next', async () => {
    const found: string[] = [];
    const sideways = () => page.evaluate(() => document.documentElement.scrollWidth - innerWidth);

    // The banner, over Activity, which links to the notices too.
    await page.goto('/activity');
    const banner = page.locator('.notices-banner:not(:empty)');
    await banner.getByText('A moderator took down something you posted.').waitFor();
    await expect.poll(() => page.locator('.skeleton').count()).toBe(0);
    expect(await sideways()).toBeLessThanOrEqual(0);
    const shown = await banner.boundingBox();
    expect(shown && shown.y + shown.height).toBeLessThanOrEqual(viewport.height);
    await inEachTheme(page, async (theme) => {
      found.push(...(await violations(page, theme === THEMES[0] ? 'all' : 'colour')).map((v) => `activity, ${theme}: ${v}`));
    });
    await page.getByRole('main').getByRole('link', { name: 'Notices from moderators' }).waitFor();

    // "See why" opens the screen, and the banner goes.
    await banner.getByRole('link', { name: 'See why' }).click();
    await page.waitForURL('**/notices');
    await expect.poll(() => cards(page).count()).toBe(2);
    expect(await page.locator('.notices-banner:not(:empty)').count()).toBe(0);
    await expect.poll(() => page.locator('.skeleton').count()).toBe(0);

    // Oldest first: the photo, then the comment, each with its reason, its time and what comes next.
    const [photo, comment] = [cards(page).nth(0), cards(page).nth(1)];
    expect(await photo.textContent()).toContain('A moderator took down your photo');
    expect(await photo.textContent()).toContain(PHOTO_REASON);
    expect(await photo.textContent()).toContain('no longer counts toward your storage');
    expect(await photo.getByRole('link').count()).toBe(0);
    expect(await comment.textContent()).toContain('A moderator took down your comment');
    expect(await comment.textContent()).toContain(COMMENT_REASON);
    expect(await comment.getByRole('link', { name: 'See the photo it was on' }).getAttribute('href')).toBe(`/p/${kept}`);
    for (const card of [photo, comment]) {
      await card.locator('time').waitFor();
      expect(await card.textContent()).toContain('What you can do');
    }

    // Laid out for the size: within the window, beside the side navigation on a desktop.
    expect(await sideways()).toBeLessThanOrEqual(0);
    const box = await photo.boundingBox();
    if (!box) throw new Error('the notice is not laid out');
    expect(box.x + box.width).toBeLessThanOrEqual(viewport.width);
    if (layout === 'desktop') expect(box.x).toBeGreaterThanOrEqual(240);
    await inEachTheme(page, async (theme) => {
      found.push(...(await violations(page, theme === THEMES[0] ? 'all' : 'colour')).map((v) => `notices, ${theme}: ${v}`));
    });
    expect(found).toEqual([]);
  }, 120_000);
});

describe('states (phone, light)', () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    ({ context, page } = await signedInContext(rig.browser, rig.api.url, rae, { viewport: VIEWPORTS.phone, colorScheme: 'light' }));
  });
  afterAll(async () => {
    await context?.close();
  });

  it('Settings links to the notices; a skeleton while they load', async () => {
    await page.goto('/settings');
    // Activated from the keyboard: the sections above it load on their own and push it down, and a
    // mouse click lands where the link was when Playwright measured it (in a whole run, on another element).
    await page.getByRole('link', { name: 'See your notices' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL('**/notices');
    await expect.poll(() => cards(page).count()).toBe(2);

    const list = await controlList(page, noticesApi);
    try {
      list.set('hold');
      await page.goto('/notices');
      await page.locator('main .skeleton').first().waitFor();
      list.set('pass');
      list.release();
      await expect.poll(() => cards(page).count()).toBe(2);
      await expect.poll(() => page.locator('main .skeleton').count()).toBe(0);
    } finally {
      list.release();
      await list.stop();
    }
  }, 60_000);

  it('pages with Load more: one notice a page, the next held until seen loading', async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const onePerPage = async (route: Route) => {
      const url = new URL(route.request().url());
      url.searchParams.set('limit', '1');
      if (url.searchParams.has('cursor')) await held;
      return route.continue({ url: url.toString() }).catch(() => undefined);
    };
    await page.route(noticesApi, onePerPage);
    try {
      await page.goto('/notices');
      await expect.poll(() => cards(page).count()).toBe(1);
      // The sentinel asked for the next page as it came into view; it waits on our word.
      await page.getByRole('button', { name: /^Load/ }).waitFor();
      expect(await cards(page).count()).toBe(1);
      release();
      await expect.poll(() => cards(page).count()).toBe(2);
      await expect.poll(() => page.getByRole('button', { name: /^Load/ }).count()).toBe(0);
    } finally {
      release();
      await page.unroute(noticesApi, onePerPage);
    }
  }, 60_000);

  it('empty with its next step; failed in place with Retry; offline with the banner and no storm', async () => {
    const list = await controlList(page, noticesApi);
    try {
      await checkEmptyFailedOffline(page, context, list, {
        open: () => page.goto('/notices').then(() => undefined),
        within: 'main',
        items: 'ul[aria-label="Takedown notices"] li',
        empty: { text: 'No notices', next: { role: 'link', name: 'Back to your feed' } },
      });
      // Offline keeps what was shown.
      expect(await cards(page).count()).toBe(2);
    } finally {
      list.release();
      await list.stop();
    }
  }, 60_000);
});
