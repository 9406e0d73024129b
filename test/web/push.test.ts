/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- response bodies are asserted on, not typed */
/**
 * Push in the web app: offered in Settings only after a click (no permission prompt on load),
 * subscribed through the service worker with the server's VAPID key, and shown by sw.js.
 *
 * Headless Chromium has no push service to subscribe with (Chrome's is FCM, out of reach here),
 * so the opt-in is followed up to the permission request and the subscribe attempt, and sw.js's
 * `push` handler is driven by a synthetic PushEvent in the real service worker. Registration
 * and delivery of a real subscription are proven in test/push/ against a local push service.
 * Showing the notification needs the full browser (the headless shell the other tests drive
 * shows none): that test starts one of its own.
 */
import webpush from 'web-push';
import type { Browser, BrowserContext, Worker as ServiceWorker } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { profile, signUp, startApi, type Api, type Session } from '../http/support.js';
import { launchBrowser, STORAGE_KEY } from './support.js';

let api: Api;
let browser: Browser;
let session: Session;

beforeAll(async () => {
  const vapid = webpush.generateVAPIDKeys();
  api = await startApi({ WEB_DIR: inject('webDir'), VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:ops@example.com' });
  browser = await launchBrowser();
  session = await signUp(api, 'pushweb');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
});

async function signedIn(on: Browser = browser): Promise<BrowserContext> {
  const context = await on.newContext({ baseURL: api.url });
  context.setDefaultTimeout(10_000);
  await context.grantPermissions(['notifications'], { origin: api.url });
  const stored = JSON.stringify({ username: session.username, accessToken: session.accessToken, refreshToken: session.refreshToken, accessExpiresAt: Date.now() + 10 * 60_000 });
  await context.addInitScript(([key, value]) => localStorage.getItem(key) ?? localStorage.setItem(key, value), [STORAGE_KEY, stored] as const);
  // Counts permission requests; the answer is the browser's own.
  await context.addInitScript(() => {
    const w = window as unknown as { permissionAsks: number };
    w.permissionAsks = 0;
    const ask = Notification.requestPermission.bind(Notification);
    Notification.requestPermission = () => {
      w.permissionAsks++;
      return ask();
    };
  });
  return context;
}

describe('push in the web app', () => {
  it('asks for permission only when the user turns notifications on', async () => {
    const context = await signedIn();
    try {
      const page = await context.newPage();
      await page.goto('/settings');
      const button = page.getByRole('button', { name: 'Turn on notifications' });
      // The button needs the server's answer: by then the page has loaded and run its effects.
      await button.waitFor();
      expect(await page.evaluate(() => (window as unknown as { permissionAsks: number }).permissionAsks)).toBe(0);
      await button.click();
      await expect.poll(() => page.evaluate(() => (window as unknown as { permissionAsks: number }).permissionAsks)).toBe(1);
      // No push service reachable here: the subscribe fails, and says so, instead of hanging.
      await page.getByRole('alert').waitFor();
    } finally {
      await context.close();
    }
  });

  it("shows a pushed notification from the service worker, with the app's own link", async () => {
    const full = await launchBrowser({ full: true });
    const context = await signedIn(full);
    try {
      const page = await context.newPage();
      const registered = context.waitForEvent('serviceworker');
      await page.goto('/');
      const worker: ServiceWorker = context.serviceWorkers()[0] ?? (await registered);
      const shown = (payload: string) =>
        worker.evaluate(async (data) => {
          interface Shown {
            title: string;
            body: string;
            tag: string;
            data: unknown;
          }
          const scope = self as unknown as {
            PushEvent: new (type: string, init: { data: string }) => Event;
            dispatchEvent(event: Event): boolean;
            registration: { getNotifications(): Promise<Shown[]> };
          };
          const PushEventClass = scope.PushEvent;
          // Synthetic events refuse waitUntil; the handler has shown the notification by then.
          try {
            scope.dispatchEvent(new PushEventClass('push', { data }));
          } catch {
            /* the handler's waitUntil on an untrusted event */
          }
          const found = await scope.registration.getNotifications();
          return found.map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: (n.data as { url: string }).url }));
        }, payload);
      await expect
        .poll(() => shown(JSON.stringify({ title: 'New reaction', body: 'bob reacted to your photo', url: '/activity', kind: 'reaction', tag: 'reaction:x' })))
        .toContainEqual({ title: 'New reaction', body: 'bob reacted to your photo', tag: 'reaction:x', url: '/activity' });
      // A link elsewhere in a payload is never followed: the notification opens the activity list.
      await expect
        .poll(() => shown(JSON.stringify({ title: 'Elsewhere', body: 'x', url: 'https://evil.example/', tag: 'other' })))
        .toContainEqual({ title: 'Elsewhere', body: 'x', tag: 'other', url: '/activity' });
    } finally {
      await context.close();
      await full.close();
    }
  });

  it("lists the account's devices and turns one off", async () => {
    const phone = await api.call('POST', '/v1/sessions', { json: { username: 'pushweb', password: profile('pushweb').password }, headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36' } });
    const registered = await api.call('POST', '/v1/me/push/devices', {
      token: phone.body.accessToken as string,
      json: { endpoint: 'https://fcm.googleapis.com/fcm/send/phone-1', keys: { p256dh: 'BAAA', auth: 'AAAA' } },
      headers: { 'user-agent': 'Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36' },
    });
    expect(registered.status).toBe(201);
    const context = await signedIn();
    try {
      const page = await context.newPage();
      await page.goto('/settings');
      const list = page.getByRole('list', { name: 'Devices with notifications' });
      await expect.poll(() => list.getByRole('listitem').allTextContents()).toEqual(['Chrome on AndroidTurn off']);
      await page.getByRole('button', { name: 'Turn off notifications for Chrome on Android' }).click();
      await page.getByRole('status').filter({ hasText: 'Notifications are off for that device.' }).waitFor();
      await expect.poll(async () => (await api.call('GET', '/v1/me/push/devices', { token: session.accessToken })).body.items).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
