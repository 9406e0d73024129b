/**
 * The screens that landed after the layout, states and accessibility files were written, held to
 * the same bar: the conversation under a photo and a feed card's comment previews, a tag's page,
 * the following list, Settings' privacy switch, push opt-in and sessions, and the navigation's unread badge.
 *
 * At 390x844 and 1280x800 (one context each, every screen a visit on it): laid out for the size
 * (nothing scrolls sideways; the conversation in the photo's side column on a desktop, under the
 * photo on a phone; the tag grid's cells square), a skeleton while each list loads (its answer
 * held until the skeleton was seen, an order, not a delay), and no serious or critical axe
 * violation in either theme: the theme is CSS only, so each screen is checked in full in the
 * light theme and, switched on the open page, by the colour rules in the dark one. Then once, on the phone in the light theme (the same components in
 * every layout and theme; the layouts only restyle them): each list empty with its next step,
 * failed in place with Retry, and offline with the banner and no request storm.
 *
 * The badge follows the event stream: the stream's answer is replaced by one `unread` event, so
 * that one account is enough (test/web/events.test.ts follows the real stream).
 */
import type { BrowserContext, Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type Session } from '../http/support.js';
import { waitFor } from '../support/wait.js';
import { violations } from './axe.js';
import { controlList } from './list-control.js';
import { checkEmptyFailedOffline } from './list-states.js';
import { DERIVED_WAIT_MS, postSamplePhoto, shownTheme, signedInContext, startWebRig, THEMES, visit, VIEWPORTS, type Layout, type WebRig } from './support.js';

let rig: WebRig;
/** Nova posted a tagged photo and commented on it; she follows nobody. */
let nova: Session;
let photoId: string;

beforeAll(async () => {
  rig = await startWebRig({ worker: true });
  nova = await signUp(rig.api, 'nova');
  photoId = await postSamplePhoto(rig.api, nova, 5, 'Morning light #sunrise');
  const commented = await rig.api.call('POST', `/v1/photos/${photoId}/comments`, { token: nova.accessToken, json: { text: 'First light over the hill' } });
  expect(commented.status).toBe(201);
  const tagged = async () => ((await rig.api.call('GET', '/v1/tags/sunrise/photos', { token: nova.accessToken })).body as { items: unknown[] }).items.length;
  await waitFor(async () => (await tagged()) === 1, { what: 'the photo under its tag', timeoutMs: DERIVED_WAIT_MS });
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

/** The page's box for `selector`, which must be laid out. */
async function box(page: Page, selector: string) {
  const found = await page.locator(selector).first().boundingBox();
  if (!found) throw new Error(`${selector} is not laid out`);
  return found;
}

/** The event stream answers one `unread` event (then ends; the app opens it again with a new ticket). */
async function unreadStream(context: BrowserContext, count: number): Promise<void> {
  await context.route(
    (url) => url.pathname === '/v1/me/events',
    (route) =>
      route
        .fulfill({ status: 200, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-store' }, body: `event: unread\ndata: ${JSON.stringify({ count })}\n\n` })
        // A page closing or navigating meanwhile has dropped the request already.
        .catch(() => undefined),
  );
}

interface ListScreen {
  name: string;
  path: () => string;
  api: (url: URL) => boolean;
  /** Where this list's skeleton and items stand (the photo page has other lists beside it). */
  within: string;
  items: string;
  empty: { text: RegExp; next: { role: 'link' | 'textbox'; name: string } };
  /** Its first page comes inside the screen's one call: left out there, so that the list's own states show (as on a reload). */
  firstPageInScreenCall?: boolean;
}

/** The photo screen's answer without the comments' first page, so that the conversation asks its list route. */
async function commentsFromTheirList(page: Page): Promise<() => Promise<void>> {
  const matches = (u: URL) => u.pathname === `/v1/photos/${photoId}` && u.searchParams.has('expand');
  const handle = async (route: Route) => {
    const response = await route.fetch();
    const { commentPage: _left, ...body } = (await response.json()) as Record<string, unknown>;
    await route.fulfill({ response, json: body });
  };
  await page.route(matches, handle);
  return () => page.unroute(matches, handle);
}

const LISTS: ListScreen[] = [
  {
    name: "a photo's comments",
    path: () => `/p/${photoId}`,
    api: (u) => u.pathname === `/v1/photos/${photoId}/comments`,
    within: 'section.conversation',
    items: 'ul[aria-label="Comment list"] li',
    empty: { text: /No comments yet/, next: { role: 'textbox', name: 'Add a comment' } },
    firstPageInScreenCall: true,
  },
  {
    name: "a tag's page",
    path: () => '/t/sunrise',
    api: (u) => u.pathname === '/v1/tags/sunrise/photos',
    within: 'main',
    items: 'ul[aria-label="Photos tagged sunrise"] li',
    empty: { text: /No photos yet/, next: { role: 'link', name: 'Share one' } },
  },
  {
    name: 'following',
    path: () => '/u/nova/following',
    api: (u) => u.pathname === '/v1/users/nova/following',
    within: 'main',
    items: 'main ul.people li',
    empty: { text: /Nobody yet/, next: { role: 'link', name: 'Find people to follow' } },
  },
];

describe.each(Object.keys(VIEWPORTS) as Layout[])('the %s layout', (layout) => {
  const viewport = VIEWPORTS[layout];
  const desktop = layout === 'desktop';

  describe('in both themes', () => {
    const [first, second] = THEMES;
    let context: BrowserContext;
    let page: Page;
    beforeAll(async () => {
      ({ context, page } = await signedInContext(rig.browser, rig.api.url, nova, { viewport, colorScheme: first }));
      await unreadStream(context, 3);
    });
    afterAll(async () => {
      await context?.close();
    });

    /** Nothing left loading, nothing wider than the window. */
    const settle = async () => {
      await expect.poll(() => page.locator('.skeleton').count()).toBe(0);
      expect(await page.evaluate(() => document.documentElement.scrollWidth - innerWidth)).toBeLessThanOrEqual(0);
    };

    it('lays out the comments, the tag page, following and Settings, the badge on each, with no serious axe violation', async () => {
      const found: string[] = [];
      const check = async (name: string) => {
        await settle();
        // The badge: on the Activity icon, in view, read out with the link.
        const activity = page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activity, 3 unread' });
        await activity.waitFor();
        const badge = await box(page, 'nav .nav-link .count');
        const icon = await box(page, 'nav a[href="/activity"] .nav-icon');
        expect(badge.x + badge.width).toBeGreaterThan(icon.x);
        expect(badge.x).toBeLessThan(icon.x + icon.width);
        expect(badge.y + badge.height).toBeLessThanOrEqual(viewport.height);
        expect(await shownTheme(page)).toBe(first);
        found.push(...(await violations(page)).map((v) => `${name} (${first}): ${v}`));
        await page.emulateMedia({ colorScheme: second });
        expect(await shownTheme(page)).toBe(second);
        found.push(...(await violations(page, 'colour')).map((v) => `${name} (${second}): ${v}`));
        await page.emulateMedia({ colorScheme: first });
      };

      // A feed card: the comment count links to the photo, the newest comment under it, inside the card.
      await page.goto('/');
      const previews = page.getByRole('article').first().locator('.comment-previews');
      await previews.getByRole('link', { name: 'View 1 comment' }).waitFor();
      expect(await previews.textContent()).toContain('First light over the hill');
      const card = await box(page, '.feed article');
      const shown = await box(page, '.feed article .comment-previews');
      expect(shown.x).toBeGreaterThanOrEqual(card.x);
      expect(shown.x + shown.width).toBeLessThanOrEqual(card.x + card.width);
      await check('feed');

      // The conversation: in the side column beside the photo on a desktop, under the photo on a phone.
      // (The screens after the feed are opened in the app, as a tap on a link does: the same layout as a cold load.)
      await visit(page, `/p/${photoId}`);
      await page.locator('ul[aria-label="Comment list"] li').first().waitFor();
      await page.getByRole('textbox', { name: 'Add a comment' }).waitFor();
      const media = await box(page, '.detail-media .frame');
      const conversation = await box(page, 'section.conversation');
      if (desktop) {
        expect(conversation.x).toBeGreaterThanOrEqual(media.x + media.width - 1);
        expect(conversation.x + conversation.width).toBeLessThanOrEqual(viewport.width);
      } else {
        expect(conversation.y).toBeGreaterThanOrEqual(media.y + media.height - 1);
        expect(conversation.width).toBeGreaterThan(viewport.width - 48);
      }
      // The composer and its button fit the column, and the button is a tap target.
      const composer = await box(page, 'section.conversation form.comment-form');
      const post = await box(page, 'section.conversation form.comment-form button[type="submit"]');
      expect(post.x + post.width).toBeLessThanOrEqual(composer.x + composer.width + 1);
      expect(post.height).toBeGreaterThanOrEqual(32);
      await check('photo');

      // A tag's page: a grid of square cells, within the window.
      await visit(page, '/t/sunrise');
      await page.getByRole('list', { name: 'Photos tagged sunrise' }).getByRole('listitem').first().waitFor();
      const square = await box(page, 'ul[aria-label="Photos tagged sunrise"] li');
      expect(square.width).toBeCloseTo(square.height, 0);
      expect(square.width).toBeLessThan(viewport.width / 2);
      await check('tag');

      await visit(page, '/u/nova/following');
      await page.getByText('Nobody yet').waitFor();
      await check('following');

      // Settings: the switch that saves itself stands in its own card, not under the profile form's Save;
      // the push opt-in and the sessions list are cards in the same column.
      await visit(page, '/settings');
      await page.getByRole('heading', { name: 'Notifications' }).waitFor();
      await page.locator('ul.sessions li').first().waitFor();
      await page.locator('section[aria-labelledby="section-privacy"]').getByLabel(/Private account/).waitFor();
      expect(await page.locator('section[aria-labelledby="section-profile"]').getByLabel(/Private account/).count()).toBe(0);
      const push = await box(page, 'section[aria-labelledby="section-push"]');
      const sessions = await box(page, 'section[aria-labelledby="section-sessions"]');
      expect(Math.abs(push.x - sessions.x)).toBeLessThanOrEqual(1);
      expect(push.width).toBeCloseTo(sessions.width, 0);
      await check('settings');

      expect(found).toEqual([]);
    }, 120_000);

    it.each(LISTS.map((s) => [s.name, s] as const))('%s: a skeleton while it loads, then the list', async (_name, screen) => {
      const unroute = screen.firstPageInScreenCall ? await commentsFromTheirList(page) : undefined;
      const list = await controlList(page, screen.api);
      try {
        list.set('hold');
        await page.goto(screen.path());
        await page.locator(`${screen.within} .skeleton`).first().waitFor();
        list.set('pass');
        list.release();
        if (screen.name === 'following') await page.getByText(screen.empty.text).waitFor();
        else await page.locator(screen.items).first().waitFor();
        await expect.poll(() => page.locator(`${screen.within} .skeleton`).count()).toBe(0);
      } finally {
        list.release();
        await list.stop();
        await unroute?.();
      }
    }, 30_000);
  });
});

describe('empty, failed and offline (phone, light)', () => {
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    ({ context, page } = await signedInContext(rig.browser, rig.api.url, nova, { viewport: VIEWPORTS.phone, colorScheme: 'light' }));
  });
  afterAll(async () => {
    await context?.close();
  });

  it.each(LISTS.map((s) => [s.name, s] as const))('%s', async (_name, screen) => {
    const unroute = screen.firstPageInScreenCall ? await commentsFromTheirList(page) : undefined;
    const list = await controlList(page, screen.api);
    try {
      await checkEmptyFailedOffline(page, context, list, {
        open: () => page.goto(screen.path()).then(() => undefined),
        within: screen.within,
        items: screen.items,
        empty: screen.empty,
        recovered: screen.name === 'following' ? 'empty' : 'items',
      });
    } finally {
      list.release();
      await list.stop();
      await unroute?.();
    }
  }, 60_000);
});
