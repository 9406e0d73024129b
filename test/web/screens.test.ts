/**
 * The screens the journey passes quickly, each on its own: log in through the form, the feed's
 * second page by scrolling, followers and following, settings saved, a profile's counts and
 * grid and a photo with its author (one call each), a seeded sample user with the demo password, and the first
 * feed render on a cold browser (empty cache, no service worker). People and photos are made
 * through the API; the browser starts signed in where logging in is not the point.
 */
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, sampleLogin, seedSampleData } from '../../src/admin/seed.js';
import { profile, signUp, type Api, type Session } from '../http/support.js';
import { waitFor } from '../support/wait.js';
import { DERIVED_WAIT_MS, PHONE, samplePhoto, startWebRig, STORAGE_KEY, type WebRig } from './support.js';

const SAMPLE_USERS = 3;
/** More than the web feed's page (8): the second page only comes by scrolling. */
const AUTHOR_PHOTOS = 11;

let rig: WebRig | undefined;
let api: Api;
let browser: Browser;
/** Mira posts; Noel and Olga follow her; she follows Olga. */
let mira: Session;
let noel: Session;
let olga: Session;

beforeAll(async () => {
  rig = await startWebRig({ worker: true });
  ({ api, browser } = rig);
  [mira, noel, olga] = await Promise.all([signUp(api, 'mira'), signUp(api, 'noel'), signUp(api, 'olga')]);
  for (let i = 1; i <= AUTHOR_PHOTOS; i += 1) await postPhoto(mira, i, `Mira's photo ${i}`);
  // After the photos: following backfills the author's recent photos into the feed.
  await follow(noel, 'mira');
  await follow(olga, 'mira');
  await follow(mira, 'olga');
  // The stream worker derives the feed a moment later.
  const feedLength = async () => ((await api.call('GET', '/v1/me/feed?limit=16', { token: noel.accessToken })).body as { items: unknown[] }).items.length;
  await waitFor(async () => (await feedLength()) >= AUTHOR_PHOTOS, { what: `Noel's feed to reach ${AUTHOR_PHOTOS} photos`, timeoutMs: DERIVED_WAIT_MS });
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

async function postPhoto(session: Session, seed: number, caption: string): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await samplePhoto(seed, 320, 240))], { type: 'image/jpeg' }), 'photo.jpg');
  form.append('caption', caption);
  expect((await api.call('POST', `/v1/users/${session.username}/photos`, { token: session.accessToken, body: form })).status).toBe(201);
}

async function follow(session: Session, username: string): Promise<void> {
  expect((await api.call('PUT', `/v1/users/${username}/followers/me`, { token: session.accessToken })).status).toBe(201);
}

async function phone(): Promise<{ context: BrowserContext; page: Page }> {
  // A fresh context is a fresh profile: empty HTTP cache; service workers blocked so none serves from its cache.
  const context = await browser.newContext({ viewport: PHONE, baseURL: api.url, deviceScaleFactor: 1, serviceWorkers: 'block' });
  context.setDefaultTimeout(10_000);
  return { context, page: await context.newPage() };
}

/** A browser already signed in as `session`: the pair stored where the app keeps it, before its first script runs. */
async function signedIn(session: Session): Promise<{ context: BrowserContext; page: Page }> {
  const opened = await phone();
  const stored = JSON.stringify({ username: session.username, accessToken: session.accessToken, refreshToken: session.refreshToken, accessExpiresAt: Date.now() + 10 * 60_000 });
  // Only when missing: a later reload keeps whatever the app stored since.
  await opened.context.addInitScript(([key, value]) => localStorage.getItem(key) ?? localStorage.setItem(key, value), [STORAGE_KEY, stored] as const);
  return opened;
}

/** The API's reads the page makes from now on, in order: `GET path` when asked, `DONE path` when answered (media left out). */
function apiReads(page: Page): string[] {
  const seen: string[] = [];
  const path = (raw: string): string | undefined => {
    const url = new URL(raw);
    return url.pathname.startsWith('/v1/') && !url.pathname.startsWith('/v1/media/') ? `${url.pathname}${url.search}` : undefined;
  };
  page.on('request', (request) => {
    const p = path(request.url());
    if (p && request.method() === 'GET') seen.push(`GET ${p}`);
  });
  page.on('requestfinished', (request) => {
    const p = path(request.url());
    if (p && request.method() === 'GET') seen.push(`DONE ${p}`);
  });
  return seen;
}

async function logInThroughTheForm(page: Page, username: string, password: string): Promise<void> {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Home', level: 1 }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/');
}

describe('the web app, screen by screen', () => {
  it('logs in through the form and lands on the feed', async () => {
    const { context, page } = await phone();
    try {
      await logInThroughTheForm(page, 'noel', profile('noel').password);
      await page.getByRole('article', { name: 'Photo by Name of mira' }).first().waitFor();
      const stored = await page.evaluate((key) => JSON.parse(localStorage.getItem(key) ?? '{}') as { username?: string }, STORAGE_KEY);
      expect(stored.username).toBe('noel');
    } finally {
      await context.close();
    }
  });

  it('loads the second feed page on scrolling to the end, without repeating a photo', async () => {
    const { context, page } = await signedIn(noel);
    try {
      const reads = apiReads(page);
      await page.goto('/');
      const articles = page.getByRole('article');
      await expect.poll(() => articles.count()).toBe(8);
      // Scrolling to the end again until the second page arrives: each scroll is a condition
      // re-checked, not a pause.
      await expect
        .poll(async () => {
          await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
          return articles.count();
        })
        .toBe(AUTHOR_PHOTOS);
      await page.getByRole('button', { name: /Load more|Loading/ }).waitFor({ state: 'detached' });
      const links = await page.locator('.feed article > a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(new Set(links).size).toBe(AUTHOR_PHOTOS);
      const captions = await page.locator('.feed .caption').allTextContents();
      expect(captions).toEqual(Array.from({ length: AUTHOR_PHOTOS }, (_, i) => `Mira's photo ${AUTHOR_PHOTOS - i}`));
      const feedGets = reads.filter((r) => r.startsWith('GET /v1/me/feed'));
      expect(feedGets).toHaveLength(2);
      expect(feedGets[0]).not.toContain('cursor=');
      expect(feedGets[1]).toContain('cursor=');
    } finally {
      await context.close();
    }
  });

  it('shows followers and following with names and follow buttons', async () => {
    const { context, page } = await signedIn(noel);
    try {
      const reads = apiReads(page);
      await page.goto('/u/mira');
      await page.getByRole('link', { name: '2 followers' }).click();
      await page.getByRole('heading', { name: 'Followers of @mira' }).waitFor();
      const followers = page.getByRole('main').getByRole('listitem');
      await expect.poll(() => followers.count()).toBe(2);
      const olgaRow = followers.filter({ hasText: '@olga' });
      await olgaRow.getByText('Name of olga').waitFor();
      // No follow button for oneself.
      await followers.filter({ hasText: '@noel' }).getByText('Name of noel').waitFor();
      expect(await followers.filter({ hasText: '@noel' }).getByRole('button').count()).toBe(0);
      await olgaRow.getByRole('button', { name: 'Follow', exact: true }).click();
      await olgaRow.getByRole('button', { name: 'Unfollow' }).waitFor();
      await page.getByRole('link', { name: 'Home' }).click();
      await page.getByRole('article').first().waitFor();
      // The unread badge comes from the event stream, opened once per load: the activity list is never read for it.
      expect(reads.filter((r) => r.startsWith('GET /v1/me/activity'))).toEqual([]);
      expect(reads.filter((r) => r.startsWith('GET /v1/me/events'))).toHaveLength(1);

      await page.goto('/u/mira');
      await page.getByRole('link', { name: '1 following' }).click();
      await page.getByRole('heading', { name: 'Followed by @mira' }).waitFor();
      const following = page.getByRole('main').getByRole('listitem');
      await expect.poll(() => following.count()).toBe(1);
      await following.getByText('Name of olga').waitFor();
      await following.getByRole('button', { name: 'Unfollow' }).click();
      // Exact: a role name matches as a substring, so 'Follow' alone also found 'Unfollow', still
      // shown while the unfollow was on its way, and the read below once ran ahead of it.
      await following.getByRole('button', { name: 'Follow', exact: true }).waitFor();
      expect((await api.call('GET', '/v1/users/olga', { token: noel.accessToken })).body).toMatchObject({ viewer: { following: false } });
    } finally {
      await context.close();
    }
  });

  it('saves the name and status from settings', async () => {
    const pia = await signUp(api, 'pia');
    const { context, page } = await signedIn(pia);
    try {
      await page.goto('/settings');
      const name = page.getByLabel('Name', { exact: true });
      const status = page.getByLabel('Status');
      await expect.poll(() => name.inputValue()).toBe('Name of pia');
      await name.fill('Pia Novak');
      await status.fill('Out shooting the harbour');
      await page.getByRole('button', { name: 'Save' }).click();
      await page.getByText('Profile saved.').waitFor();
      await page.reload();
      await expect.poll(() => name.inputValue()).toBe('Pia Novak');
      expect(await status.inputValue()).toBe('Out shooting the harbour');
      await page.getByRole('link', { name: 'Profile' }).click();
      await page.getByRole('heading', { name: 'Pia Novak' }).waitFor();
      await page.getByText('Out shooting the harbour').waitFor();
    } finally {
      await context.close();
    }
  });

  it('shows a profile with its counts and photo grid in one call, and a photo with its author in one call', async () => {
    const quinn = await signUp(api, 'quinn');
    expect((await api.call('PUT', '/v1/account/privacy', { token: quinn.accessToken, json: { private: true } })).status).toBe(200);
    await postPhoto(quinn, 40, 'Private');
    const { context, page } = await signedIn(olga);
    try {
      const reads = apiReads(page);
      await page.goto('/u/mira');
      await page.getByRole('heading', { name: 'Name of mira' }).waitFor();
      await page.getByRole('link', { name: '2 followers' }).waitFor();
      await page.getByRole('link', { name: '1 following' }).waitFor();
      const grid = page.getByRole('list', { name: 'Photos' });
      await expect.poll(() => grid.locator('img').count()).toBe(AUTHOR_PHOTOS);
      expect(await grid.getByRole('link').count()).toBe(AUTHOR_PHOTOS);
      // One call: the profile brings the first page of its photos.
      const screen = '/v1/users/mira?expand=photos&photosLimit=18';
      expect(reads.filter((r) => r.includes(' /v1/users/'))).toEqual([`GET ${screen}`, `DONE ${screen}`]);

      // Unfollow and follow again: the counts follow the writes' answers, with nothing read again.
      reads.length = 0;
      await page.getByRole('button', { name: 'Unfollow' }).click();
      await page.getByRole('link', { name: '1 follower', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Follow', exact: true }).click();
      await page.getByRole('link', { name: '2 followers' }).waitFor();
      await page.getByRole('button', { name: 'Unfollow' }).waitFor();
      expect(await grid.locator('img').count()).toBe(AUTHOR_PHOTOS);
      expect(reads.filter((r) => r.includes(' /v1/users/'))).toEqual([]);

      // A photo: one call brings it with its author's card (no profile read), the first page of who
      // reacted and of the comments; both shown prove the lists were in, so no list call came after.
      const newest = ((await api.call('GET', '/v1/users/mira/photos?limit=1', { token: noel.accessToken })).body as { items: { id: string }[] }).items[0]!.id;
      expect((await api.call('PUT', `/v1/photos/${newest}/reactions/heart`, { token: noel.accessToken })).status).toBe(201);
      expect((await api.call('POST', `/v1/photos/${newest}/comments`, { token: noel.accessToken, json: { text: 'Lovely light' } })).status).toBe(201);
      await grid.getByRole('link').first().click();
      await page.locator('article.detail a.author', { hasText: 'Name of mira' }).waitFor();
      await page.getByRole('list', { name: 'Comment list' }).getByText('Lovely light').waitFor();
      await page.getByRole('list', { name: 'Who reacted' }).getByText('noel').first().waitFor();
      const photoReads = reads.filter((r) => r.startsWith('GET /v1/photos/'));
      expect(photoReads).toHaveLength(1);
      expect(photoReads[0]).toMatch(new RegExp(`^GET /v1/photos/${newest}\\?expand=reactions(,|%2C)comments&`));
      expect(reads.filter((r) => r.includes(' /v1/users/'))).toEqual([]);

      // A private account: no request for photos the viewer may not see; a follow request changes no count.
      await page.goto('/u/quinn');
      await page.getByText('This account is private').waitFor();
      await page.getByRole('button', { name: 'Follow', exact: true }).click();
      await page.getByRole('button', { name: 'Requested' }).waitFor();
      await page.getByRole('link', { name: '0 followers' }).waitFor();
      expect(reads.filter((r) => r.startsWith('GET /v1/users/quinn'))).toEqual(['GET /v1/users/quinn?expand=photos&photosLimit=18']);
    } finally {
      await context.close();
    }
  });

  it('lets a seeded sample user log in with the demo password', async () => {
    // How long seeding takes is measured in `npm run bench:web`.
    const seeded = await seedSampleData(api.db.doc, api.db.table, { users: SAMPLE_USERS, demoPassword: DEMO_PASSWORD });
    const username = sampleLogin({ users: SAMPLE_USERS }) ?? '';
    expect(seeded.sampleUser).toBe(username);
    const { context, page } = await phone();
    try {
      await logInThroughTheForm(page, username, DEMO_PASSWORD);
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
    } finally {
      await context.close();
    }
  });

  it('paints the first feed item, sized, on a cold browser: everything from the network', async () => {
    // How soon is measured in `npm run bench:web`; here, that it happens from a cold start.
    const { context, page } = await signedIn(noel);
    try {
      await page.goto('/');
      await page.waitForFunction(() => (document.querySelector('.feed article .frame')?.getBoundingClientRect().height ?? 0) > 0);
      const cached = await page.evaluate(() => (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).filter((r) => r.transferSize === 0 && r.decodedBodySize > 0).length);
      expect(cached).toBe(0);
    } finally {
      await context.close();
    }
  });
});
