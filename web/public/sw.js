// The app shell works offline, and the cache holds the shell only: index.html (kept under `/`)
// and the build's hashed assets. API answers, media and error responses are never cached, and
// a navigation gets the cached shell only when the network fails, never in place of an answer.
// v2: v1 could hold any page (a JSON 401, a photo) as the shell; activating v2 deletes it.
const CACHE = 'quick-photos-shell-v2';
const SHELL = '/';
// The paths the API owns (API_PATHS in src/http/web.ts): never the app, online or offline.
const API_PATHS = /^\/(v1|docs|openapi\.json|health|ready|metrics)(\/|$)/;
const ASSET = /^\/assets\/[^/]+$/;

/** Only a plain 200 from this origin, of the expected type, is fit for the cache. */
const cacheable = (response, type) =>
  response.ok && response.status === 200 && response.type === 'basic' && !response.redirected && (response.headers.get('content-type') ?? '').startsWith(type);

const isShell = (response) => cacheable(response, 'text/html');

/** The shell and the assets its page names, fetched afresh and stored together. */
async function storeShell(cache, response) {
  const html = await response.clone().text();
  const assets = [...new Set(html.match(/\/assets\/[^"'\s<>)]+/g) ?? [])];
  await cache.put(SHELL, response);
  await Promise.all(
    assets.map(async (path) => {
      if (await cache.match(path)) return;
      const asset = await fetch(path);
      if (cacheable(asset, '')) await cache.put(path, asset);
    }),
  );
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const response = await fetch(SHELL, { cache: 'no-cache' });
      if (!isShell(response)) throw new Error(`app shell answered ${response.status}`);
      await storeShell(await caches.open(CACHE), response);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(names.filter((n) => n !== CACHE).map((n) => caches.delete(n)));
      // Assets of older builds are dropped: only those the current shell names stay.
      const cache = await caches.open(CACHE);
      const shell = await cache.match(SHELL);
      if (shell) {
        const named = new Set((await shell.text()).match(/\/assets\/[^"'\s<>)]+/g) ?? []);
        for (const request of await cache.keys()) {
          const path = new URL(request.url).pathname;
          if (path !== SHELL && !named.has(path)) await cache.delete(request);
        }
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (ASSET.test(url.pathname)) {
    // Hashed names never change: cache first, and only a good answer is kept.
    event.respondWith(
      caches.open(CACHE).then(async (cache) => {
        const hit = await cache.match(url.pathname);
        if (hit) return hit;
        const response = await fetch(event.request);
        if (cacheable(response, '')) await cache.put(url.pathname, response.clone());
        return response;
      }),
    );
  } else if (event.request.mode === 'navigate' && !API_PATHS.test(url.pathname)) {
    // Network first; the answer replaces the cached shell only when it is the shell.
    event.respondWith(
      fetch(event.request).then(
        (response) => {
          if (isShell(response)) {
            const copy = response.clone();
            event.waitUntil(caches.open(CACHE).then((cache) => storeShell(cache, copy)).catch(() => undefined));
          }
          return response;
        },
        async () => (await caches.match(SHELL, { cacheName: CACHE })) ?? Response.error(),
      ),
    );
  }
});

// Push (src/derived/views/push.ts sends it): the payload is `{ title, body, url, kind, tag }`.
// A notification of the same burst (`tag`) replaces the one shown; a click opens its page.
self.addEventListener('push', (event) => {
  let data;
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const title = typeof data.title === 'string' ? data.title : 'quick-photos';
  // Only a path of this app: a payload can never send the user elsewhere.
  const url = typeof data.url === 'string' && data.url.startsWith('/') && !data.url.startsWith('//') ? data.url : '/activity';
  const options = { body: typeof data.body === 'string' ? data.body : '', tag: typeof data.tag === 'string' ? data.tag : undefined, data: { url }, icon: '/icon.svg' };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data?.url ?? '/activity';
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const open = windows.find((client) => new URL(client.url).origin === self.location.origin);
      if (open) {
        await open.focus();
        return open.navigate(url);
      }
      return self.clients.openWindow(url);
    })(),
  );
});
