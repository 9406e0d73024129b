/**
 * One person, two tabs of the web app (one browser context: they share localStorage). Refresh
 * tokens rotate and are single use: a tab that refreshed with the pair it loaded, after
 * another tab rotated it twice, would present a token the server must treat as stolen
 * (REFRESH_TOKEN_REUSED, whatever the grace window) and log the person out everywhere. Each
 * tab takes the newest stored pair instead, and follows the other tabs' log-outs.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profile, signUp, type Api } from '../http/support.js';
import { startWebRig, STORAGE_KEY, type WebRig } from './support.js';

/** Longer than an access token lives (15 minutes by default): a tab this far ahead must refresh. */
const LATER_MS = 20 * 60_000;

let rig: WebRig | undefined;
let api: Api;
let browser: Browser;

beforeAll(async () => {
  rig = await startWebRig();
  ({ api, browser } = rig);
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

interface StoredPair {
  refreshToken: string;
  accessExpiresAt: number;
}

const storedPair = (page: Page): Promise<StoredPair | null> =>
  page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? 'null') as StoredPair | null, STORAGE_KEY);

/** Moves the tab's clock past the access token's life: its next call must refresh. */
async function runClockPastTokenLife(page: Page): Promise<void> {
  await page.evaluate((later) => {
    const realNow = Date.now.bind(Date);
    Date.now = () => realNow() + later;
  }, LATER_MS);
}

interface Tabs {
  context: BrowserContext;
  a: Page;
  b: Page;
  /** What went wrong in the tabs: script errors, failed requests, console errors. */
  trouble: string[];
}

/** What the home screen asks the API for on a desktop (the browser's default 1280-pixel viewport). */
const HOME_REQUESTS = ['/v1/me/feed', '/v1/me/suggestions', '/v1/me/events'];

/**
 * Signs `username` up, logs in through the form in tab A, then opens tab B on the same storage.
 * No service worker: not what these tests check, and once active it takes over both tabs at a
 * moment of its own (`clients.claim`), between a test's steps, as the other browser files avoid.
 */
async function twoTabs(username: string): Promise<Tabs> {
  await signUp(api, username);
  const context = await browser.newContext({ baseURL: api.url, serviceWorkers: 'block' });
  // Bounded waits: a missing element fails the step in seconds, not the whole test's time.
  context.setDefaultTimeout(8_000);
  const trouble: string[] = [];
  const watched = async (name: string): Promise<Page> => {
    const page = await context.newPage();
    page.on('pageerror', (error) => trouble.push(`${name}: script error: ${error.message}`));
    page.on('requestfailed', (request) => trouble.push(`${name}: request failed: ${request.method()} ${new URL(request.url()).pathname} (${request.failure()?.errorText ?? 'no reason'})`));
    page.on('console', (message) => void (message.type() === 'error' && trouble.push(`${name}: console: ${message.text()}`)));
    return page;
  };
  const a = await watched('tab A');
  await a.goto('/login');
  await a.getByLabel('Username').fill(username);
  await a.getByLabel('Password').fill(profile(username).password);
  await a.getByRole('button', { name: 'Log in' }).click();
  await a.getByRole('navigation', { name: 'Main' }).waitFor();
  const b = await watched('tab B');
  // Tab B's home screen is done asking before a step starts: the feed, the suggestions beside
  // it (a chunk of their own, so they may ask late) and the event stream. A CI run saw tab B's
  // suggestions asked for after the log-out test began watching, and counted as a reaction to it.
  const homeLoaded = Promise.all(HOME_REQUESTS.map((path) => b.waitForResponse((response) => new URL(response.url()).pathname === path)));
  await b.goto('/');
  await b.getByRole('navigation', { name: 'Main' }).waitFor();
  await homeLoaded;
  return { context, a, b, trouble };
}

/**
 * Runs `steps` on two tabs of `username` (twoTabs), then closes them. A failed step's error also
 * says where each tab was, what it showed and what went wrong in it: a wait that ran out once in
 * a loaded CI run (tab B never showed the log-in form after its own log-out) said nothing of why.
 */
async function withTwoTabs(username: string, steps: (tabs: Tabs) => Promise<void>): Promise<void> {
  const tabs = await twoTabs(username);
  try {
    await steps(tabs);
  } catch (error) {
    const shown = async (name: string, page: Page) => {
      const text = await page.locator('body').innerText({ timeout: 2_000 }).catch(() => '(unreadable)');
      return `${name} at ${page.url()} shows: ${text.replace(/\s+/g, ' ').slice(0, 300)}`;
    };
    if (error instanceof Error) error.message += `\n${[await shown('tab A', tabs.a), await shown('tab B', tabs.b), ...tabs.trouble].join('\n')}`;
    throw error;
  } finally {
    await tabs.context.close();
  }
}

/** Tab `page` refreshes the pair: its stored access token marked expired, a reload, the new pair stored. */
async function rotateIn(page: Page): Promise<void> {
  const before = await storedPair(page);
  await page.evaluate((key) => {
    const stored = JSON.parse(localStorage.getItem(key) ?? '{}') as { accessExpiresAt?: number };
    stored.accessExpiresAt = 0;
    localStorage.setItem(key, JSON.stringify(stored));
  }, STORAGE_KEY);
  await page.reload();
  await page.waitForFunction(
    ([key, old]) => {
      const now = JSON.parse(localStorage.getItem(key) ?? 'null') as StoredPair | null;
      return now !== null && now.refreshToken !== old && now.accessExpiresAt > Date.now();
    },
    [STORAGE_KEY, before?.refreshToken] as const,
  );
}

/** In-app navigation (no reload) to one's own profile: an authenticated request; the name shows, or the log-in form does. */
async function openOwnProfile(page: Page, username: string): Promise<{ loggedOut: boolean }> {
  const heading = page.getByRole('heading', { name: profile(username).name });
  const logIn = page.getByRole('button', { name: 'Log in' });
  // The app may hear of an ended session first on its own (the event stream's next ticket is
  // refused) and take the tab to the log-in form while the link is being clicked: either way on.
  const click = page.getByRole('link', { name: 'Profile' }).click();
  click.catch(() => undefined);
  await Promise.race([click, logIn.waitFor()]);
  await heading.or(logIn).first().waitFor();
  return { loggedOut: (await logIn.count()) > 0 };
}

describe('a session shared by several tabs', () => {
  it('refreshes in one tab with the pair another tab rotated, never the stale one it loaded', async () => {
    await withTwoTabs('tabs', async ({ a, b }) => {
      // Tab A rotates the pair twice: the token tab B loaded is now two generations old, which
      // the server answers with REFRESH_TOKEN_REUSED at once (no grace window for it).
      const loaded = await storedPair(b);
      await rotateIn(a);
      await rotateIn(a);
      const rotated = await storedPair(a);
      expect(rotated?.refreshToken).not.toBe(loaded?.refreshToken);

      // Tab B, left open: its clock runs past the access token's life, so its next request refreshes.
      const refreshes: number[] = [];
      b.on('response', (response) => {
        if (new URL(response.url()).pathname === '/v1/sessions/refresh') refreshes.push(response.status());
      });
      await runClockPastTokenLife(b);
      expect(await openOwnProfile(b, 'tabs')).toEqual({ loggedOut: false });
      expect(refreshes).toEqual([200]);
      const afterB = await storedPair(b);
      expect(afterB?.refreshToken).not.toBe(rotated?.refreshToken);

      // Tab A took tab B's pair too: it still works without a refresh of its own, and the pair is live.
      expect(await openOwnProfile(a, 'tabs')).toEqual({ loggedOut: false });
      expect((await storedPair(a))?.refreshToken).toBe(afterB?.refreshToken);
      expect((await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: afterB?.refreshToken } })).status).toBe(200);
    });
  });

  it('logs every tab out when one tab logs out', async () => {
    await withTwoTabs('dora', async ({ a, b }) => {
      await a.goto('/settings');
      // Tab B hears of it from the shared storage: it shows the log-in form without a reload
      // (this document's mark survives) and without asking the API anything.
      await b.evaluate(() => Object.assign(window, { sameDocument: true }));
      const asked: string[] = [];
      b.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/v1/')) asked.push(`${request.method()} ${new URL(request.url()).pathname}`);
      });
      await a.getByRole('button', { name: 'Log out', exact: true }).click();
      await a.getByRole('button', { name: 'Log in' }).waitFor();
      await b.getByRole('button', { name: 'Log in' }).waitFor();
      expect(await b.evaluate(() => 'sameDocument' in window)).toBe(true);
      expect(asked).toEqual([]);
      expect(await storedPair(b)).toBeNull();
      // One's own log-out is no news: neither tab says "You were signed out".
      expect(await a.getByText('You were signed out').count()).toBe(0);
      expect(await b.getByText('You were signed out').count()).toBe(0);
    });
  });
});

describe('a session the server ended', () => {
  /** Logs `username` out everywhere from a second session (another device), through the API. */
  async function logOutEverywhereElsewhere(username: string): Promise<void> {
    const other = await api.call('POST', '/v1/sessions', { json: { username, password: profile(username).password } });
    expect(other.status).toBe(201);
    expect((await api.call('DELETE', '/v1/me/sessions', { token: String((other.body as { accessToken: string }).accessToken) })).status).toBe(200);
  }

  async function expectSignedOut(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await page.getByText('You were signed out').waitFor();
    // The server's own message is not shown as a screen's error.
    expect(await page.getByText('This session has ended').count()).toBe(0);
    expect(await storedPair(page)).toBeNull();
  }

  it('takes the tab to the log-in screen, with a short notice, when a call answers SESSION_ENDED', async () => {
    await withTwoTabs('evicted', async ({ context, a, b }) => {
      // Either tab may hear first (its event stream's next ticket, say) and the other follows
      // through the shared storage: the refusals are collected from both.
      const refusals: Promise<unknown>[] = [];
      context.on('response', (response) => {
        if (response.status() === 401) refusals.push(response.json().then((body: { error?: { code?: string } }) => body.error?.code, () => undefined));
      });
      await logOutEverywhereElsewhere('evicted');
      // The access token is still fresh: the next call goes out with it and is refused at once.
      expect(await openOwnProfile(a, 'evicted')).toEqual({ loggedOut: true });
      await expectSignedOut(a);
      // Refused by the profile's call, or first by an event stream's ticket: a call answered SESSION_ENDED.
      expect(await Promise.all(refusals)).toContain('SESSION_ENDED');
      // The other tab follows (the pair is gone from the shared storage), and says why too.
      await expectSignedOut(b);
      // Logging in again clears the notice.
      await a.getByLabel('Username').fill('evicted');
      await a.getByLabel('Password').fill(profile('evicted').password);
      await a.getByRole('button', { name: 'Log in' }).click();
      await a.getByRole('navigation', { name: 'Main' }).waitFor();
      expect(await a.getByText('You were signed out').count()).toBe(0);
    });
  });

  it('does the same when the refresh is refused', async () => {
    await withTwoTabs('expired', async ({ a }) => {
      await logOutEverywhereElsewhere('expired');
      // The tab's clock runs past the access token's life: its next call refreshes, and is refused.
      await runClockPastTokenLife(a);
      expect(await openOwnProfile(a, 'expired')).toEqual({ loggedOut: true });
      await expectSignedOut(a);
    });
  });

  // The tab that hears first clears the shared pair; the others follow through the storage
  // event, and must say why as well (once the flake: the other tab's stream heard first).
  it('says so in every tab, when another tab heard of it first', async () => {
    await withTwoTabs('overheard', async ({ a, b }) => {
      await logOutEverywhereElsewhere('overheard');
      // Tab B alone runs past the access token's life: its refresh is refused, and it clears the pair.
      await runClockPastTokenLife(b);
      expect(await openOwnProfile(b, 'overheard')).toEqual({ loggedOut: true });
      await expectSignedOut(b);
      await expectSignedOut(a);

      // Logged in again in tab B, tab A follows (its notice was shown there, not by a log-in of
      // its own); a later log-out of one's own leaves no old notice in either.
      await b.getByLabel('Username').fill('overheard');
      await b.getByLabel('Password').fill(profile('overheard').password);
      await b.getByRole('button', { name: 'Log in' }).click();
      await b.getByRole('navigation', { name: 'Main' }).waitFor();
      await a.getByRole('navigation', { name: 'Main' }).waitFor();
      await b.goto('/settings');
      await b.getByRole('button', { name: 'Log out', exact: true }).click();
      await b.getByRole('button', { name: 'Log in' }).waitFor();
      await a.getByRole('button', { name: 'Log in' }).waitFor();
      expect(await a.getByText('You were signed out').count()).toBe(0);
      expect(await b.getByText('You were signed out').count()).toBe(0);
    });
  });
});
