/**
 * The service worker keeps the app shell only: index.html (under `/`) and the build's hashed
 * assets. After the app was used, and pages that are not the app (a JSON 401, an API 404) were
 * opened, Cache Storage holds nothing else; offline, a navigation gets the cached app, never an
 * API answer. "Offline" is a proxy in front of the API that stops accepting connections, so the
 * service worker's own fetches fail as they would without a network.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { profile, signUp, startApi, type Api } from '../http/support.js';
import { launchBrowser } from './support.js';

let api: Api | undefined;
let browser: Browser | undefined;
let proxy: Proxy | undefined;

interface Proxy {
  url: string;
  /** Refuses new connections and cuts the open ones, as a lost network would. */
  offline(): Promise<void>;
}

/** A TCP relay to `target` on a port of its own. */
async function startProxy(target: URL): Promise<Proxy> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    async offline() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

beforeAll(async () => {
  api = await startApi({ WEB_DIR: inject('webDir') });
  proxy = await startProxy(new URL(api.url));
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await proxy?.offline().catch(() => undefined);
  await browser?.close();
  await api?.close();
});

interface CachedEntry {
  path: string;
  status: number;
  type: string;
}

describe('the service worker caches the app shell only', () => {
  it('keeps only index.html and hashed assets, and offline serves the app, never an API answer', { timeout: 120_000 }, async () => {
    if (!api || !browser || !proxy) throw new Error('rig not started');
    const username = 'shellonly';
    await signUp(api, username);
    const context = await browser.newContext({ baseURL: proxy.url });
    context.setDefaultTimeout(8_000);
    const page = await context.newPage();
    await page.goto('/login');
    // Installed (the shell fetched and stored) and in control: a bound, not a wait.
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(profile(username).password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { name: profile(username).name }).waitFor();
    // A deep link of the app, then pages that are not the app, opened through the worker:
    // an API 404 and, last before Cache Storage is read, a JSON 401.
    await page.goto(`/u/${username}`);
    await page.getByRole('heading', { name: profile(username).name }).waitFor();
    expect((await page.goto('/v1/no-such-route'))?.status()).toBe(404);
    expect((await page.goto('/v1/me'))?.status()).toBe(401);

    const entries = await page.evaluate(async () => {
      const found: CachedEntry[] = [];
      for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
          const response = await cache.match(request);
          found.push({ path: new URL(request.url).pathname, status: response?.status ?? 0, type: response?.headers.get('content-type') ?? '' });
        }
      }
      return found;
    });
    expect(entries.length).toBeGreaterThan(1);
    for (const entry of entries) {
      expect(entry.path === '/' || entry.path.startsWith('/assets/'), entry.path).toBe(true);
      expect(entry.status, entry.path).toBe(200);
      if (entry.path === '/') expect(entry.type).toMatch(/^text\/html/);
    }
    expect(entries.filter((e) => e.path === '/')).toHaveLength(1);

    await proxy.offline();
    await page.goto('/');
    // The app from the cache: its page, and its script (a cached asset) rendering into it.
    await page.waitForFunction(() => (document.querySelector('#app')?.childElementCount ?? 0) > 0);
    expect(await page.content()).not.toContain('UNAUTHENTICATED');
    // An API path offline is a network error, not the app dressed as an answer.
    await expect(page.goto('/v1/me')).rejects.toThrow();
    await context.close();
  });
});
