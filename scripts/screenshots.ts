/**
 * `npm run screenshots`: the README's pictures of the web app, taken from what `npm start`
 * serves. Builds the web client, starts the app as `npm start` would (embedded engine in memory,
 * sample data with pictures, the stream worker) in a scratch directory, signs in as the first
 * sample user, starts a conversation under the first photo of the feed (the sample data has no
 * comments), and photographs the feed, a profile and a photo at a phone's size (390x844) and
 * a desktop's (1280x800), light and dark, plus a few more screens on the phone; PNGs in
 * docs/screenshots/, palette-quantised to keep the repository small. Everything it started
 * stops at the end, even on failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import sharp from 'sharp';
import { build } from 'vite';
import { DEMO_PASSWORD, sampleLogin } from '../src/admin/seed.js';

const ROOT = new URL('../', import.meta.url).pathname;
const OUT = join(ROOT, 'docs/screenshots');
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const START_TIMEOUT_MS = 300_000;
const STORAGE_KEY = 'quick-photos.session';

const LAYOUTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** Waits for the app's /health, within a bound; a child that exits first fails at once. */
async function healthy(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  while (Date.now() < deadline) {
    if (exited !== undefined) throw new Error(`the app exited (${String(exited)}) before it was ready`);
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`the app was not healthy within ${START_TIMEOUT_MS / 1000} s`);
}

/** The page with nothing left loading: no skeleton, every image in view decoded (those below load lazily). */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () =>
      document.querySelectorAll('.skeleton').length === 0 &&
      [...document.images].filter((img) => img.getBoundingClientRect().top < innerHeight).every((img) => img.complete && img.naturalWidth > 0),
    undefined,
    { timeout: 20_000 },
  ).catch(async (error: unknown) => {
    const waiting = await page.evaluate(() => [...document.images].filter((img) => !(img.complete && img.naturalWidth > 0)).map((img) => img.src.slice(0, 120)));
    throw new Error(`${page.url()} did not settle; images not loaded: ${waiting.join(', ')}`, { cause: error });
  });
}

/** The window as it shows, from the top or from the element `at` (scrolled to the top of the window). */
async function shoot(page: Page, name: string, at?: string): Promise<void> {
  if (at) await page.locator(at).first().evaluate((element) => element.scrollIntoView({ block: 'start' }));
  else await page.evaluate(() => window.scrollTo(0, 0));
  const png = await page.screenshot();
  const small = await sharp(png).png({ palette: true, quality: 85, compressionLevel: 9 }).toBuffer();
  await writeFile(join(OUT, `${name}.png`), small);
  process.stdout.write(`docs/screenshots/${name}.png (${Math.round(small.length / 1024)} KB)\n`);
}

async function photograph(browser: Browser, url: string, session: Record<string, unknown>): Promise<void> {
  const username = String(session.username);
  const open = async (viewport: { width: number; height: number }, theme: 'light' | 'dark') => {
    const context = await browser.newContext({ baseURL: url, viewport, colorScheme: theme, deviceScaleFactor: 1, serviceWorkers: 'block' });
    context.setDefaultTimeout(20_000);
    await context.addInitScript(([key, value]) => localStorage.setItem(key, value), [STORAGE_KEY, JSON.stringify(session)] as const);
    return { context, page: await context.newPage() };
  };
  for (const [layout, viewport] of Object.entries(LAYOUTS)) {
    for (const theme of ['light', 'dark'] as const) {
      const { context, page } = await open(viewport, theme);
      try {
        await page.goto('/');
        await page.getByRole('article').first().waitFor();
        await settled(page);
        await shoot(page, `${layout}-${theme}-feed`);
        const photo = await page.locator('.feed article > a').first().getAttribute('href');
        const author = await page.locator('.feed article a.author').first().getAttribute('href');
        await page.goto(author ?? `/u/${username}`);
        await page.getByRole('list', { name: 'Photos' }).getByRole('listitem').first().waitFor();
        await settled(page);
        await shoot(page, `${layout}-${theme}-profile`);
        await page.goto(photo ?? '/');
        await page.getByRole('group', { name: 'Reactions' }).waitFor();
        await settled(page);
        await shoot(page, `${layout}-${theme}-photo`);
      } finally {
        await context.close();
      }
    }
  }
  // Last: opening the activity marks it read, which would clear the badge in the shots above.
  const { context, page } = await open(LAYOUTS.phone, 'light');
  try {
    await page.goto('/');
    const photo = await page.locator('.feed article > a').first().getAttribute('href');
    await page.goto(photo ?? '/');
    await page.locator('section.conversation li.comment').first().waitFor();
    await settled(page);
    await shoot(page, 'phone-light-comments', 'section.conversation');
    for (const name of ['explore', 'search', 'activity', 'upload', 'settings']) {
      await page.goto(`/${name}`);
      await page.locator('main h1').first().waitFor();
      await settled(page);
      await shoot(page, `phone-light-${name}`);
    }
  } finally {
    await context.close();
  }
}

/** Signs in as a sample user (each has the demo password). */
async function signIn(url: string, username: string): Promise<{ accessToken: string; refreshToken: string; expiresIn: number }> {
  const answer = await fetch(`${url}/v1/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password: DEMO_PASSWORD }) });
  if (!answer.ok) throw new Error(`signing in as ${username} failed: ${answer.status}`);
  return (await answer.json()) as { accessToken: string; refreshToken: string; expiresIn: number };
}

/** A comment and the author's answer under the first photo of `reader`'s feed, as the screens show comments. */
async function converse(url: string, reader: string, token: string): Promise<void> {
  const call = async (path: string, bearer: string, body?: unknown) => {
    const answer = await fetch(`${url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!answer.ok) throw new Error(`${path} answered ${answer.status}`);
    return (await answer.json()) as Record<string, unknown>;
  };
  const feed = (await call('/v1/me/feed?limit=1', token)) as { items: { photo: { id: string; username: string } }[] };
  const first = feed.items[0]?.photo;
  if (!first) throw new Error(`${reader}'s feed is empty`);
  const author = await signIn(url, first.username);
  await call(`/v1/photos/${first.id}/comments`, token, { text: 'Those colours! Where was this taken?' });
  await call(`/v1/photos/${first.id}/comments`, author.accessToken, { text: `@${reader} down by the harbour, just after sunrise #goldenhour` });
}

async function main(): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'qp-screenshots-'));
  let child: ChildProcess | undefined;
  let browser: Browser | undefined;
  try {
    const webDir = join(scratch, 'web');
    process.stdout.write('Building the web client…\n');
    await build({ configFile: join(ROOT, 'web/vite.config.ts'), logLevel: 'error', build: { outDir: webDir, emptyOutDir: true } });
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    process.stdout.write('Starting the app with sample data (this takes a little while)…\n');
    child = spawn(join(ROOT, 'node_modules/.bin/tsx'), ['src/main.ts'], {
      cwd: ROOT,
      env: { ...process.env, NODE_ENV: 'development', HOST: '127.0.0.1', PORT: String(port), DATA_DIR: join(scratch, 'data'), DYNAMODB_IN_MEMORY: '1', WEB_DIR: webDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await healthy(url, child);
    const username = sampleLogin();
    if (!username) throw new Error('the sample data has no user');
    const session = await signIn(url, username);
    await converse(url, username, session.accessToken);
    await mkdir(OUT, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    await photograph(browser, url, { username, accessToken: session.accessToken, refreshToken: session.refreshToken, accessExpiresAt: Date.now() + session.expiresIn * 1000 });
  } finally {
    await browser?.close();
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
    await rm(scratch, { recursive: true, force: true });
  }
}

await main();
