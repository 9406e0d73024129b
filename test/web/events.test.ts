/**
 * The web app hears its event stream (GET /v1/me/events, opened with a ticket by Chromium's own
 * EventSource): the navigation's unread badge and the home feed's "new posts" follow what
 * others do, with no polling and no reload; a dropped stream resumes with the id it last heard.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, type Api, type Session } from '../http/support.js';
import { listen } from '../http/event-stream.js';
import { samplePhoto, signedInContext, startWebRig, type WebRig } from './support.js';

let rig: WebRig | undefined;
let api: Api;
const s: Record<string, Session> = {};

beforeAll(async () => {
  rig = await startWebRig({ worker: true });
  api = rig.api;
  for (const name of ['ava', 'bo', 'cy', 'dee', 'eli']) s[name] = await signUp(api, name);
}, 120_000);

afterAll(async () => {
  await rig?.close();
});

async function follow(who: string, whom: string): Promise<void> {
  expect((await api.call('PUT', `/v1/users/${whom}/followers/me`, { token: s[who]!.accessToken })).status).toBe(201);
}

/** Every request the page makes to the API (media aside), as `METHOD path?query`. */
function apiRequests(page: Page, options: { query?: boolean } = {}): string[] {
  const seen: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/v1/') && !url.pathname.startsWith('/v1/media/')) seen.push(`${request.method()} ${url.pathname}${options.query ? url.search : ''}`);
  });
  return seen;
}

async function postAs(who: string, caption: string): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await samplePhoto(3, 320, 240))], { type: 'image/jpeg' }), 'photo.jpg');
  form.append('caption', caption);
  expect((await api.call('POST', `/v1/users/${who}/photos`, { token: s[who]!.accessToken, body: form })).status).toBe(201);
}

describe('the web app on the event stream', () => {
  let context: BrowserContext;
  let page: Page;

  it('updates the unread badge as people follow, without polling the activity list', async () => {
    ({ context, page } = await signedInContext(rig!.browser, api.url, s.ava!, { viewport: { width: 1280, height: 800 } }));
    const requests = apiRequests(page);
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await expect.poll(() => requests.filter((r) => r === 'GET /v1/me/events')).toHaveLength(1);
    await follow('bo', 'ava');
    await page.getByRole('link', { name: 'Activity, 1 unread' }).waitFor();
    await follow('cy', 'ava');
    await page.getByRole('link', { name: 'Activity, 2 unread' }).waitFor();
    // Two updates came and went: a poll would have read the list by now; one stream, one ticket.
    expect(requests.filter((r) => r.includes('/v1/me/activity'))).toEqual([]);
    expect(requests.filter((r) => r.startsWith('POST /v1/me/events/ticket'))).toHaveLength(1);
    expect(requests.filter((r) => r === 'GET /v1/me/events')).toHaveLength(1);
  });

  it('shows "new posts" on the home feed when someone followed posts; pressing it loads them', async () => {
    await follow('ava', 'bo');
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await samplePhoto(3, 320, 240))], { type: 'image/jpeg' }), 'photo.jpg');
    form.append('caption', 'Fresh from bo');
    expect((await api.call('POST', '/v1/users/bo/photos', { token: s.bo!.accessToken, body: form })).status).toBe(201);
    const pill = page.getByRole('button', { name: 'New posts' });
    await pill.waitFor();
    await rig!.worker!.drain();
    await pill.click();
    await page.getByText('Fresh from bo').waitFor();
    await pill.waitFor({ state: 'detached' });
    await context.close();
  });

  it('a dropped stream reconnects with the id it last heard and shows the "new posts" it missed', async () => {
    await follow('dee', 'bo');
    await follow('eli', 'bo');
    const { context: mine, page: deePage } = await signedInContext(rig!.browser, api.url, s.dee!, { viewport: { width: 1280, height: 800 } });
    const requests = apiRequests(deePage, { query: true });
    await deePage.goto('/');
    await deePage.getByRole('navigation', { name: 'Main' }).waitFor();
    // An event with an id first: the app resumes from the last one it heard.
    await follow('eli', 'dee');
    await deePage.getByRole('link', { name: 'Activity, 1 unread' }).waitFor();
    // Hold the app's reconnect (its new ticket) until the post is made.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await deePage.route('**/v1/me/events/ticket', async (route) => {
      await held;
      await route.continue();
    });
    // The server drops every connection (as a load balancer or a phone's network would).
    api.app.server.closeAllConnections();
    await expect.poll(() => requests.filter((r) => r.startsWith('POST /v1/me/events/ticket'))).toHaveLength(2);
    // While dee is away, another follower keeps this instance reading the log and hears the post
    // first: the log entry is handled then, so only dee's replay can bring it to her.
    const keeper = listen(api.url, { token: s.eli!.accessToken });
    try {
      await expect.poll(() => keeper.of('unread')).toHaveLength(1);
      await postAs('bo', 'Posted while dee was away');
      await expect.poll(() => keeper.of('post')).toHaveLength(1);
      await rig!.worker!.drain();
      release();
      const pill = deePage.getByRole('button', { name: 'New posts' });
      await pill.waitFor();
      const streams = requests.filter((r) => r.startsWith('GET /v1/me/events?'));
      expect(streams).toHaveLength(2);
      expect(new URL(streams[1]!.slice('GET '.length), api.url).searchParams.get('lastEventId')).toMatch(/^[A-Za-z0-9_-]+$/);
      await pill.click();
      await deePage.getByText('Posted while dee was away').waitFor();
    } finally {
      keeper.close();
      await mine.close();
    }
  });

  it('a refused id (a tab open across an upgrade or a new secret) is dropped: the app reconnects without it and hears on', async () => {
    const { context: mine, page: cyPage } = await signedInContext(rig!.browser, api.url, s.cy!, { viewport: { width: 1280, height: 800 } });
    const requests = apiRequests(cyPage, { query: true });
    // Every id the app presents arrives altered, as an id the server no longer accepts would.
    await cyPage.route('**/v1/me/events?*', async (route) => {
      const url = new URL(route.request().url());
      const id = url.searchParams.get('lastEventId');
      // One character changed in the middle (a character added at the end may decode to the same bytes).
      if (id) url.searchParams.set('lastEventId', `${id.slice(0, 20)}${id[20] === 'A' ? 'B' : 'A'}${id.slice(21)}`);
      await route.continue({ url: url.toString() });
    });
    try {
      await cyPage.goto('/');
      await cyPage.getByRole('navigation', { name: 'Main' }).waitFor();
      await follow('dee', 'cy');
      await cyPage.getByRole('link', { name: 'Activity, 1 unread' }).waitFor();
      api.app.server.closeAllConnections();
      // Refused twice with its id (once could be a restarting instance), then opened without it.
      await expect.poll(() => requests.filter((r) => r.startsWith('GET /v1/me/events?')).map((r) => new URL(r.slice('GET '.length), api.url).searchParams.has('lastEventId'))).toEqual([false, true, true, false]);
      await follow('eli', 'cy');
      await cyPage.getByRole('link', { name: 'Activity, 2 unread' }).waitFor();
    } finally {
      await mine.close();
    }
  });
});
