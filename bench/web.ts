/**
 * `npm run bench:web`: the web app's first render and sample-data seeding, each beside a
 * control measured in the same rounds, so that a loaded machine moves both alike.
 *
 * - First feed render: from navigation start to the first feed photo's box painted (a
 *   MutationObserver sees `.feed article .frame` with a height, then one frame is painted),
 *   on a cold browser (fresh context: empty cache, service workers blocked) and warm (one
 *   context with the service worker installed, reloaded). Control: the login screen's first
 *   paint on a cold browser (the same page and scripts, no API read).
 * - Seeding 3 sample users (`seedSampleData`, as `npm start` does, demo password included)
 *   beside `loadItems` writing the same generated items (control).
 *
 * - JavaScript: the total of all screens' scripts, and the first screen's share (what the cold
 *   feed asked for before the app's `quick-photos:warm` mark, as test/web/journey.test.ts
 *   measures its budget), with the ratio between them.
 *
 * Budgets (moved here from the tests, issue #17): first feed render < 3 s at p95, cold and warm;
 * seeding < 15 s. Everything runs on 127.0.0.1: an in-memory DynamoDB Local, the API and the
 * stream worker in this process, Debian's Chromium (CHROMIUM_BIN) through playwright-core.
 * BENCH_QUICK=1: fewer rounds.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { build } from 'vite';
import { generateItems } from '../src/admin/generate.js';
import { loadItems } from '../src/admin/load.js';
import { DEMO_PASSWORD, seedSampleData } from '../src/admin/seed.js';
import { ensureTable } from '../src/admin/table.js';
import { createLocalBlobStore } from '../src/blobs/index.js';
import { loadConfig } from '../src/config/index.js';
import { createWorker } from '../src/derived/worker.js';
import { createClients } from '../src/engine/client.js';
import { startEmbeddedEngine } from '../src/engine/embedded.js';
import { buildApp } from '../src/http/app.js';
import { createCursorCodec } from '../src/patterns/index.js';
import { percentile } from './stats.js';

const QUICK = process.env.BENCH_QUICK === '1';
const ROUNDS = QUICK ? 3 : 10;
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const PHONE = { width: 360, height: 740 };
const STORAGE_KEY = 'quick-photos.session';
const FIRST_RENDER_BUDGET_MS = 3_000;
/** The first screen's scripts, uncompressed: the same budget as test/web/journey.test.ts. */
const FIRST_SCREEN_BUDGET_BYTES = 100 * 1024;
const SEED_BUDGET_MS = 15_000;
const SAMPLE_USERS = 3;
const AUTHOR_PHOTOS = 11;
const FOLLOWERS = ['noel', 'olga', 'pia'];

if (!existsSync(CHROMIUM)) throw new Error(`bench:web needs Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_BIN.`);

/** A photo-like JPEG, distinct per seed (as the browser tests draw them). */
async function samplePhoto(seed: number): Promise<Buffer> {
  const hue = (n: number) => (seed * 67 + n * 53) % 360;
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
    `<stop offset="0" stop-color="hsl(${hue(0)},65%,55%)"/><stop offset="1" stop-color="hsl(${hue(1)},65%,30%)"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/><circle cx="${(seed * 97) % 320}" cy="${(seed * 61) % 240}" r="70" fill="hsl(${hue(2)},70%,60%)" fill-opacity="0.7"/></svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

async function scriptBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(join(dir, 'assets'))) if (name.endsWith('.js')) total += (await stat(join(dir, 'assets', name))).size;
  return total;
}

/**
 * Records in the page, on every navigation, when the first element matching `selector` has a
 * box and a frame has been painted since (setTimeout after rAF: after the paint), in ms since
 * navigation start.
 */
async function watchFirstPaint(context: BrowserContext, selector: string): Promise<void> {
  // A string, not a function: tsx compiles functions with name helpers the page does not have.
  await context.addInitScript(`(() => {
    const sel = ${JSON.stringify(selector)};
    let seen = false;
    const check = () => {
      const element = document.querySelector(sel);
      if (seen || !element || element.getBoundingClientRect().height === 0) return false;
      seen = true;
      observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => (globalThis.firstBoxMs = performance.now()), 0));
      return true;
    };
    // DOM changes catch the element at once; every frame catches a box that gains its height
    // later without a DOM change (a stylesheet arriving).
    const observer = new MutationObserver(check);
    observer.observe(document, { childList: true, subtree: true });
    const everyFrame = () => void (check() || seen || requestAnimationFrame(everyFrame));
    requestAnimationFrame(everyFrame);
  })();`);
}

/** Bytes of the scripts loaded before the app's `quick-photos:warm` mark (the first screen's share). */
async function firstScreenScriptBytes(page: Page): Promise<number> {
  await page.waitForFunction(() => performance.getEntriesByName('quick-photos:warmed').length > 0, undefined, { timeout: 30_000 });
  return page.evaluate(() => {
    const warm = performance.getEntriesByName('quick-photos:warm')[0]?.startTime ?? 0;
    return (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((r) => r.startTime < warm && /\/assets\/[^/]+\.js$/.test(new URL(r.name).pathname))
      .reduce((sum, r) => sum + r.decodedBodySize, 0);
  });
}

async function firstPaintMs(context: BrowserContext, navigate: () => Promise<unknown>): Promise<number> {
  const page = context.pages()[0] ?? (await context.newPage());
  await navigate();
  try {
    const handle = await page.waitForFunction(() => (globalThis as unknown as { firstBoxMs?: number }).firstBoxMs, undefined, { timeout: 30_000 });
    return (await handle.jsonValue()) as number;
  } catch (error) {
    // What the page showed instead, so a broken run says why.
    const shown = await page.evaluate(() => document.body.innerText.slice(0, 300)).catch(() => '(no page)');
    throw new Error(`no first paint at ${page.url()}; the page shows: ${shown}`, { cause: error });
  }
}

const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n)} ms` : '-');
const summary = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? NaN };
};

const started = Date.now();
const engine = await startEmbeddedEngine();
const clients = createClients({ endpoint: engine.endpoint, local: true, requestTimeoutMs: 30_000 });
const table = 'bench-web';
const webDir = await mkdtemp(join(tmpdir(), 'qp-bench-web-'));
const photosDir = await mkdtemp(join(tmpdir(), 'qp-bench-web-photos-'));
let browser: Browser | undefined;
try {
  await build({ configFile: new URL('../web/vite.config.ts', import.meta.url).pathname, logLevel: 'error', build: { outDir: webDir, emptyOutDir: true } });
  const jsBytes = await scriptBytes(webDir);

  await ensureTable(clients.client, table);
  const config = loadConfig({
    JWT_SECRET: 'bench-web-jwt-secret-0123456789abcdef',
    TABLE_NAME: table,
    RATE_LIMIT_AUTH: '0',
    RATE_LIMIT_WRITES: '0',
    WEB_DIR: webDir,
    PHOTOS_DIR: photosDir,
  });
  const cursors = createCursorCodec('bench-web-cursors-0123456789abcdef');
  const db = { doc: clients.patterns, table, cursors };
  const app = await buildApp({ db, client: clients.client, config, blobs: createLocalBlobStore(photosDir) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const worker = createWorker({ client: clients.client, db: { doc: clients.doc, table, cursors }, settings: { ...config.derived, pollMs: 50 } });

  // Set-up (not measured): an author with photos, three followers; the worker derives their feeds.
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}) },
      ...(body === undefined ? {} : { body: body instanceof FormData ? body : JSON.stringify(body) }),
    });
    const answer = (await response.json()) as Record<string, unknown>;
    if (response.status >= 300) throw new Error(`${method} ${path} answered ${response.status}: ${JSON.stringify(answer)}`);
    return answer;
  };
  const sessions = new Map<string, { username: string; accessToken: string; refreshToken: string }>();
  for (const username of ['mira', ...FOLLOWERS]) {
    const answer = await call('POST', '/v1/accounts', undefined, { username, name: `Name of ${username}`, email: `${username}@example.com`, birthdate: '1990-01-01', password: `password-of-${username}` });
    const session = answer.session as { accessToken: string; refreshToken: string };
    sessions.set(username, { username, ...session });
  }
  for (let i = 1; i <= AUTHOR_PHOTOS; i++) {
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(await samplePhoto(i))], { type: 'image/jpeg' }), 'photo.jpg');
    form.append('caption', `Mira's photo ${i}`);
    await call('POST', '/v1/users/mira/photos', sessions.get('mira')!.accessToken, form);
  }
  for (const follower of FOLLOWERS) await call('PUT', '/v1/users/mira/followers/me', sessions.get(follower)!.accessToken);
  await worker.drain(120_000);
  const reader = sessions.get('noel')!;
  const feed = (await call('GET', '/v1/me/feed?limit=16', reader.accessToken)) as { items: unknown[] };
  if (feed.items.length < AUTHOR_PHOTOS) throw new Error(`the feed holds ${feed.items.length} photos after the worker drained, expected ${AUTHOR_PHOTOS}`);

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const stored = JSON.stringify({ username: reader.username, accessToken: reader.accessToken, refreshToken: reader.refreshToken, accessExpiresAt: Date.now() + 60 * 60_000 });
  const newContext = async (options: { signedIn: boolean; serviceWorkers: 'allow' | 'block'; selector: string }) => {
    const context = await browser!.newContext({ viewport: PHONE, baseURL: base, deviceScaleFactor: 1, serviceWorkers: options.serviceWorkers });
    // Only when missing: a reload keeps what the app stored since (a refreshed pair).
    if (options.signedIn) await context.addInitScript(([key, value]) => localStorage.getItem(key) ?? localStorage.setItem(key, value), [STORAGE_KEY, stored] as const);
    await watchFirstPaint(context, options.selector);
    await context.newPage();
    return context;
  };
  const FEED = '.feed article .frame';
  const LOGIN = 'form button';

  // The warm browser: one context, the service worker installed and in control before round 1.
  const warm = await newContext({ signedIn: true, serviceWorkers: 'allow', selector: FEED });
  const warmPage = warm.pages()[0]!;
  await firstPaintMs(warm, () => warmPage.goto('/'));
  await warmPage.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });

  // Seeding goes to tables of its own, so the worker and the web app's table are left alone.
  const seedTable = 'bench-web-seed';
  const loadTable = 'bench-web-load';
  await ensureTable(clients.client, seedTable);
  await ensureTable(clients.client, loadTable);
  const generated = () => Array.from(generateItems({ users: SAMPLE_USERS }), (item) => JSON.stringify(item));
  let firstScreenBytes = NaN;
  let seededItems = 0;
  let loadedItems = 0;

  const samples = { cold: [] as number[], warm: [] as number[], login: [] as number[], seed: [] as number[], load: [] as number[] };
  for (let round = 0; round < ROUNDS; round++) {
    // The order rotates, so no side always runs right after another.
    const steps: (() => Promise<void>)[] = [
      async () => {
        const context = await newContext({ signedIn: true, serviceWorkers: 'block', selector: FEED });
        const page = context.pages()[0]!;
        samples.cold.push(await firstPaintMs(context, () => page.goto('/')));
        firstScreenBytes = await firstScreenScriptBytes(page);
        await context.close();
      },
      async () => {
        samples.warm.push(await firstPaintMs(warm, () => warmPage.reload()));
      },
      async () => {
        const context = await newContext({ signedIn: false, serviceWorkers: 'block', selector: LOGIN });
        samples.login.push(await firstPaintMs(context, () => context.pages()[0]!.goto('/login')));
        await context.close();
      },
      async () => {
        const t = performance.now();
        const seeded = await seedSampleData(clients.doc, seedTable, { users: SAMPLE_USERS, demoPassword: DEMO_PASSWORD });
        samples.seed.push(performance.now() - t);
        seededItems = seeded.written;
      },
      async () => {
        const lines = generated();
        const t = performance.now();
        const loaded = await loadItems(clients.doc, loadTable, lines);
        samples.load.push(performance.now() - t);
        loadedItems = loaded.written;
      },
    ];
    for (let i = 0; i < steps.length; i++) await steps[(i + round) % steps.length]!();
    process.stderr.write(`round ${round + 1}/${ROUNDS} done\n`);
  }
  await warm.close();
  await worker.stop();
  await app.close();

  const cold = summary(samples.cold);
  const warmS = summary(samples.warm);
  const login = summary(samples.login);
  const seed = summary(samples.seed);
  const load = summary(samples.load);
  const ratio = (a: number, b: number) => (Number.isFinite(a / b) ? `${(a / b).toFixed(2)}x` : '-');
  const kib = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KiB` : '-');
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  out(`## Web first render and seeding (\`npm run bench:web\`${QUICK ? ', BENCH_QUICK=1' : ''})`);
  out();
  out(`Measured on ${new Date().toISOString().slice(0, 10)}, ${ROUNDS} interleaved rounds; Chromium headless at ${PHONE.width}x${PHONE.height}; feed of ${AUTHOR_PHOTOS} photos (8 on the first page); JavaScript shipped: ${(jsBytes / 1024).toFixed(1)} KiB uncompressed, of which the first screen loads ${kib(firstScreenBytes)} before the others are warmed (${Math.round((firstScreenBytes / jsBytes) * 100)} % of the total).`);
  out();
  out('| measure | p50 | p95 | max | p50 ratio to control |');
  out('|---|---:|---:|---:|---:|');
  out(`| control: login screen first paint, cold browser | ${ms(login.p50)} | ${ms(login.p95)} | ${ms(login.max)} | 1.00x |`);
  out(`| first feed render, cold (empty cache, no service worker) | ${ms(cold.p50)} | ${ms(cold.p95)} | ${ms(cold.max)} | ${ratio(cold.p50, login.p50)} |`);
  out(`| first feed render, warm (service worker, reload) | ${ms(warmS.p50)} | ${ms(warmS.p95)} | ${ms(warmS.max)} | ${ratio(warmS.p50, login.p50)} |`);
  out(`| control: loadItems, the same ${loadedItems} generated items | ${ms(load.p50)} | ${ms(load.p95)} | ${ms(load.max)} | 1.00x |`);
  out(`| seedSampleData, ${SAMPLE_USERS} users (${seededItems} items, demo password) | ${ms(seed.p50)} | ${ms(seed.p95)} | ${ms(seed.max)} | ${ratio(seed.p50, load.p50)} |`);
  out();
  const verdict = (name: string, value: number, budget: number) => `${value < budget ? 'PASS' : 'FAIL'} ${name}: ${ms(value)} < ${ms(budget)}`;
  out('Budgets (p95; the worst round for seeding):');
  out();
  out(`- ${verdict('first feed render, cold, p95', cold.p95, FIRST_RENDER_BUDGET_MS)}`);
  out(`- ${verdict('first feed render, warm, p95', warmS.p95, FIRST_RENDER_BUDGET_MS)}`);
  out(`- ${firstScreenBytes < FIRST_SCREEN_BUDGET_BYTES ? 'PASS' : 'FAIL'} first screen's JavaScript: ${kib(firstScreenBytes)} < ${kib(FIRST_SCREEN_BUDGET_BYTES)} (all screens: ${kib(jsBytes)})`);
  out(`- ${verdict('seeding 3 sample users, max', seed.max, SEED_BUDGET_MS)}`);
  out();
  out(`Whole run: ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (lines.some((l) => l.includes('FAIL '))) process.exitCode = 1;
} finally {
  await browser?.close();
  clients.destroy();
  await engine.stop();
  await rm(webDir, { recursive: true, force: true });
  await rm(photosDir, { recursive: true, force: true });
}
