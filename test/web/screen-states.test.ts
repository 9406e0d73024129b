/**
 * Every list screen's states, table-driven: loading (a skeleton while its answer is held, then
 * the items) at 390x844 and 1280x800, in both themes; then, in the phone's light theme, empty
 * (the message and its next step), failed (an error in place with Retry; after Retry succeeds,
 * the items) and offline (the banner, and no request storm). Those three are the same
 * components and code paths in every layout and theme (the layouts only restyle them), so
 * they are checked fully once. One browser for the file, one context per viewport: the theme is
 * CSS only (a prefers-color-scheme query), so each held skeleton is seen in the light theme and
 * then, switched on the open page, in the dark one, and the screens after the first are visited
 * as a tap on a link visits them (in the app, not a cold load: the cold load is the first one's,
 * and the failed state below loads each screen cold).
 * Beside them: compact reactions (icon and count, mine pressed) and relative times.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type Session } from '../http/support.js';
import { waitFor } from '../support/wait.js';
import { controlList } from './list-control.js';
import { checkEmptyFailedOffline } from './list-states.js';
import { DERIVED_WAIT_MS, inEachTheme, samplePhoto, signedInContext, THEMES, VIEWPORTS, visit as visitPath, type Layout, type WebRig, startWebRig } from './support.js';

let rig: WebRig;
/** Ann posts a photo Bob reacted to; they follow each other (Bob's activity has Ann); Cy posts a photo Bob may explore. */
let ann: Session;
let bob: Session;
let photoId: string;

async function postPhoto(session: Session, seed: number): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await samplePhoto(seed, 320, 240))], { type: 'image/jpeg' }), 'photo.jpg');
  form.append('caption', `Photo ${seed}`);
  const answer = await rig.api.call('POST', `/v1/users/${session.username}/photos`, { token: session.accessToken, body: form });
  expect(answer.status).toBe(201);
  return (answer.body as { id: string }).id;
}

const items = async (path: string, session: Session) => ((await rig.api.call('GET', path, { token: session.accessToken })).body as { items?: unknown[] }).items?.length ?? 0;

beforeAll(async () => {
  rig = await startWebRig({ worker: true });
  let cy: Session;
  [ann, bob, cy] = await Promise.all([signUp(rig.api, 'ann'), signUp(rig.api, 'bob'), signUp(rig.api, 'cy')]);
  photoId = await postPhoto(ann, 1);
  await postPhoto(cy, 2);
  expect((await rig.api.call('PUT', '/v1/users/ann/followers/me', { token: bob.accessToken })).status).toBe(201);
  expect((await rig.api.call('PUT', '/v1/users/bob/followers/me', { token: ann.accessToken })).status).toBe(201);
  expect((await rig.api.call('PUT', `/v1/photos/${photoId}/reactions/heart`, { token: bob.accessToken })).status).toBeLessThan(300);
  await waitFor(async () => (await items('/v1/me/feed?limit=8', bob)) >= 1 && (await items('/v1/explore?limit=8', bob)) >= 1 && (await items('/v1/users?query=cy&limit=5', bob)) >= 1 && (await items('/v1/me/activity?limit=8', bob)) >= 1, {
    what: "Bob's feed, explore, search and activity",
    timeoutMs: DERIVED_WAIT_MS,
  });
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

interface Screen {
  name: string;
  /** Where the screen is, seen by Bob. */
  path: () => string;
  api: (url: URL) => boolean;
  items: string;
  /**
   * The empty message's words and its next step (a link), when the screen has one. The sessions
   * list has none: it always holds the session showing it.
   */
  empty?: { text: RegExp; next?: string };
  /** Typed after the page shows, for search results. */
  query?: string;
  /** The empty answer made from the real one, for a list that comes inside another answer. */
  emptied?: (body: Record<string, unknown>) => unknown;
}

const SCREENS: Screen[] = [
  { name: 'home feed', path: () => '/', api: (u) => u.pathname === '/v1/me/feed', items: '.feed article', empty: { text: /Your feed is empty/, next: 'Find people to follow' } },
  { name: 'Explore', path: () => '/explore', api: (u) => u.pathname === '/v1/explore', items: '.grid.explore li', empty: { text: /Nothing to explore yet/, next: 'find people' } },
  // The grid's first page comes with the profile (one call): empty is that answer with no photos.
  { name: "a profile's grid", path: () => '/u/ann', api: (u) => u.pathname === '/v1/users/ann' && u.searchParams.get('expand') === 'photos', items: 'main a[href^="/p/"]', empty: { text: /No photos yet/ }, emptied: (body) => ({ ...body, photos: { items: [] } }) },
  // Who reacted comes with the photo (one call): empty is that answer with no reactions.
  { name: "a photo's reactions", path: () => `/p/${photoId}`, api: (u) => u.pathname === `/v1/photos/${photoId}` && u.searchParams.has('expand'), items: 'ul[aria-label="Who reacted"] li', empty: { text: /No reactions yet: be the first/ }, emptied: (body) => ({ ...body, reactionPage: { items: [] } }) },
  { name: 'followers', path: () => '/u/ann/followers', api: (u) => u.pathname === '/v1/users/ann/followers', items: 'main ul.people li', empty: { text: /Nobody yet/, next: 'Find people to follow' } },
  { name: 'activity', path: () => '/activity', api: (u) => u.pathname === '/v1/me/activity', items: 'ul.activity li', empty: { text: /No activity yet/, next: 'Share a photo' } },
  { name: 'search results', path: () => '/search', api: (u) => u.pathname === '/v1/users' && u.searchParams.has('query'), items: 'ul[aria-label="Search results"] li', empty: { text: /Nobody found/ }, query: 'cy' },
  { name: "settings' sessions", path: () => '/settings', api: (u) => u.pathname === '/v1/me/sessions', items: 'ul.sessions li' },
];

/** Opens the screen (typing its query, if any). */
async function open(page: Page, screen: Screen): Promise<void> {
  await page.goto(screen.path());
  if (screen.query) await page.getByLabel('Search people').fill(screen.query);
}

/** Opens the screen inside the running app, as a tap on a link does; cold on a blank page. */
async function visit(page: Page, screen: Screen): Promise<void> {
  if (!page.url().startsWith('http')) return open(page, screen);
  await visitPath(page, screen.path());
  if (screen.query) await page.getByLabel('Search people').fill(screen.query);
}

describe.each(Object.keys(VIEWPORTS) as Layout[])('the %s layout', (layout) => {
  // One context and page per viewport: the first screen is loaded cold, the others visited in the app.
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    ({ context, page } = await signedInContext(rig.browser, rig.api.url, bob, { viewport: VIEWPORTS[layout], colorScheme: THEMES[0] }));
  });
  afterAll(async () => {
    await context?.close();
  });

  it.each(SCREENS.map((s) => [s.name, s] as const))('%s: a skeleton while it loads, in either theme, then the items', async (_name, screen) => {
    const list = await controlList(page, screen.api, screen.emptied);
    try {
      list.set('hold');
      await visit(page, screen);
      const skeleton = page.locator('.skeleton');
      await inEachTheme(page, () => skeleton.first().waitFor());
      list.set('pass');
      list.release();
      await page.locator(screen.items).first().waitFor();
      await expect.poll(() => skeleton.count()).toBe(0);
    } finally {
      list.release();
      await list.stop();
    }
  }, 30_000);
});

describe('empty, failed and offline (phone, light: the same components in every layout and theme)', () => {
  // One context for the screens: each loads cold, and leaves it online with its routes removed.
  let context: BrowserContext;
  let page: Page;
  beforeAll(async () => {
    ({ context, page } = await signedInContext(rig.browser, rig.api.url, bob, { viewport: VIEWPORTS.phone, colorScheme: 'light' }));
  });
  afterAll(async () => {
    await context?.close();
  });

  it.each(SCREENS.map((s) => [s.name, s] as const))('%s', async (_name, screen) => {
    const list = await controlList(page, screen.api, screen.emptied);
    try {
      await checkEmptyFailedOffline(page, context, list, {
        open: () => open(page, screen),
        openEmpty: () => visit(page, screen),
        items: screen.items,
        ...(screen.empty ? { empty: { text: screen.empty.text, ...(screen.empty.next ? { next: { role: 'link' as const, name: screen.empty.next } } : {}) } } : {}),
      });
    } finally {
      await list.stop();
    }
  }, 60_000);
});

describe('compact reactions and relative times (photo page, phone, dark)', () => {
  it('a reaction is its icon and count, mine pressed; a time reads "3 h" with the full date in its title', async () => {
    const { context, page } = await signedInContext(rig.browser, rig.api.url, bob, { viewport: VIEWPORTS.phone, colorScheme: 'dark' });
    try {
      // The photo taken three hours ago, as the API writes times (UTC, no zone).
      const taken = new Date(Date.now() - 3 * 3600_000 - 5 * 60_000);
      await page.route(
        (url) => url.pathname === `/v1/photos/${photoId}`,
        async (route) => {
          const response = await route.fetch();
          const body = (await response.json()) as Record<string, unknown>;
          await route.fulfill({ response, json: { ...body, timestamp: taken.toISOString().slice(0, 19) } });
        },
      );
      await page.goto(`/p/${photoId}`);
      const heart = page.getByRole('button', { name: 'Heart: 1' });
      await heart.waitFor();
      expect(await heart.getAttribute('aria-pressed')).toBe('true');
      expect(await heart.locator('svg').count()).toBe(1);
      expect((await heart.textContent())?.trim()).toBe('1');
      // Nobody's reaction: the icon alone, not pressed, its count only for screen readers.
      const plusOne = page.getByRole('button', { name: 'Plus one: 0' });
      expect(await plusOne.getAttribute('aria-pressed')).toBe('false');
      expect(await plusOne.locator('svg').count()).toBe(1);
      expect((await plusOne.textContent())?.trim()).toBe('');

      const time = page.locator('main time.ago').first();
      expect((await time.textContent())?.trim()).toBe('3 h');
      const title = (await time.getAttribute('title')) ?? '';
      expect(title).toContain(String(taken.getFullYear()));
      expect(title.length).toBeGreaterThan(12);
      expect(await time.getAttribute('datetime')).toBe(taken.toISOString().slice(0, 19));
    } finally {
      await context.close();
    }
  }, 30_000);
});
