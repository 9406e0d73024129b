/**
 * Browser tests' harness: the web client the run built once (web.global.ts), served by a real
 * API on the worker's DynamoDB Local, and the worker's Chromium driven by playwright-core
 * (`.ci/run` installs Chromium when it is missing, as it installs Java).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import sharp from 'sharp';
import { inject } from 'vitest';
import { CHROMIUM, CHROMIUM_LAUNCH, FULL_CHROMIUM_LAUNCH, packageOf } from '../support/chromium.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { startApi, testConfig, type Api, type Session } from '../http/support.js';

export { CHROMIUM };
/** Where the journey leaves its screenshots, for a look after a run (the README's come from `npm run screenshots`). */
export const SCREENSHOT_DIR = join(tmpdir(), 'qp-screenshots');

/** A phone's viewport: the layout must hold at 360 px wide. */
export const PHONE = { width: 360, height: 740 };
/** The two layouts' test sizes: a current phone (bottom navigation) and a laptop (side navigation). */
export const VIEWPORTS = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
} as const;
export type Layout = keyof typeof VIEWPORTS;
export const THEMES = ['light', 'dark'] as const;

/** How long the derived views (feed, activity, search) may take to show a change here. */
export const DERIVED_WAIT_MS = 15_000;

/** Where the web app keeps the signed-in pair (web/src/session.ts). */
export const STORAGE_KEY = 'quick-photos.session';

export interface WebRig {
  webDir: string;
  api: Api;
  browser: Browser;
  /** The stream worker deriving feeds, activity and search, when the file asked for it. */
  worker: Worker | undefined;
  close(): Promise<void>;
}

/**
 * A browser test file's world: the run's build of the web client, served by a real API on the
 * worker's DynamoDB Local, the stream worker beside it (`worker: true`), and
 * Chromium. `close()` ends all of it; a start that fails half-way ends what it had started.
 */
export async function startWebRig(options: { worker?: boolean } = {}): Promise<WebRig> {
  const started: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const stop of started.reverse()) await stop();
  };
  try {
    const webDir = inject('webDir');
    const api = await startApi({ WEB_DIR: webDir });
    started.push(() => api.close());
    // At the service's poll interval (250 ms), not a test's 50: an idle worker polling the stream
    // 20 times a second cost a browser file several CPU seconds. Woken by the API's writes, as
    // `npm start` wires it (src/main.ts): a change shows within 50 ms all the same.
    const worker = options.worker ? createWorker({ client: api.db.client, db: api.db, settings: testConfig().derived, wakeOn: [api.db.patterns] }) : undefined;
    if (worker) started.push(() => worker.stop());
    const browser = await launchBrowser();
    started.push(() => browser.close());
    return { webDir, api, browser, worker, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * A browser context already signed in as `session` (the pair stored where the app keeps it,
 * before its first script runs; a later reload keeps whatever the app stored since), with
 * bounded waits.
 */
export async function signedInContext(browser: Browser, baseURL: string, session: Session, options: { viewport: { width: number; height: number }; colorScheme?: 'light' | 'dark' }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ baseURL, viewport: options.viewport, colorScheme: options.colorScheme ?? 'light', deviceScaleFactor: 1, serviceWorkers: 'block' });
  context.setDefaultTimeout(10_000);
  const stored = JSON.stringify({ username: session.username, accessToken: session.accessToken, refreshToken: session.refreshToken, accessExpiresAt: Date.now() + 10 * 60_000 });
  await context.addInitScript(([key, value]) => localStorage.getItem(key) ?? localStorage.setItem(key, value), [STORAGE_KEY, stored] as const);
  return { context, page: await context.newPage() };
}

/** Bytes of JavaScript the app ships, uncompressed. */
export async function scriptBytes(dir: string): Promise<number> {
  let total = 0;
  for (const name of await readdir(join(dir, 'assets'))) if (name.endsWith('.js')) total += (await stat(join(dir, 'assets', name))).size;
  return total;
}

/** This worker's headless Chromium, launched by its first browser file (test/support/chromium.ts). */
let workerChromium: Promise<Browser> | undefined;

/**
 * The worker's Chromium, launched in this process on first use and kept for the worker's later
 * files (`isolate: false` keeps this module between them). In-process, Playwright talks to it
 * over its own pipe: a browser served from vitest's main process (`launchServer`) relayed every
 * message once more over a WebSocket, and that relay was the main process's largest CPU cost
 * in a whole run. Chromium ends with the worker: closed when vitest ends it (closeOnTermination),
 * else when its pipe closes.
 */
function workerBrowser(): Promise<Browser> {
  workerChromium ??= chromium.launch({ ...CHROMIUM_LAUNCH, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false }).then(
    (browser) => {
      // A browser that crashed is not handed to the next file: it launches a new one.
      browser.once('disconnected', () => (workerChromium = undefined));
      closeOnTermination(browser);
      return browser;
    },
    (error: unknown) => {
      workerChromium = undefined;
      throw error;
    },
  );
  return workerChromium;
}

/**
 * vitest ends a worker with SIGTERM (and SIGKILL half a second later). Left to Node's default,
 * the worker died with its Chromium open, and Playwright never removed the browser's profile
 * and artifacts directories: each worker left both in the system's temporary directory on
 * every run. The browser closes first (Playwright removes both), then `exit` ends the worker.
 * Answers what SIGTERM runs; the listener goes with the browser.
 */
export function closeOnTermination(browser: Browser, exit: () => void = () => process.exit(143)): () => Promise<void> {
  const terminate = async (): Promise<void> => {
    try {
      await browser.close();
    } finally {
      exit();
    }
  };
  const listener = (): void => void terminate();
  process.once('SIGTERM', listener);
  browser.once('disconnected', () => process.off('SIGTERM', listener));
  return terminate;
}

/**
 * One file's use of the worker's Chromium: `close()` closes the contexts the file made through
 * it (pages, cookies, storage and cache are per context), not the browser the next file uses.
 */
function fileView(browser: Browser): Browser {
  const contexts = new Set<BrowserContext>();
  const newContext = async (options?: BrowserContextOptions): Promise<BrowserContext> => {
    const context = await browser.newContext(options);
    contexts.add(context);
    context.once('close', () => contexts.delete(context));
    return context;
  };
  const own: Partial<Browser> = {
    newContext,
    newPage: async (options) => {
      const context = await newContext(options);
      const page = await context.newPage();
      // As Browser.newPage: the page's context closes with the page.
      page.once('close', () => void context.close());
      return page;
    },
    contexts: () => [...contexts],
    close: async () => {
      await Promise.all([...contexts].map((context) => context.close()));
    },
  };
  return new Proxy(browser, {
    get(target, property, receiver) {
      if (Object.hasOwn(own, property)) return own[property as keyof Browser];
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * The worker's Chromium, seen as this file's (`close()` ends the file's contexts, not the
 * browser). `full`: a full Chromium of the file's own (test/support/chromium.ts), for what the
 * headless shell cannot do.
 */
export async function launchBrowser(options: { full?: boolean } = {}): Promise<Browser> {
  const launch = options.full ? FULL_CHROMIUM_LAUNCH : CHROMIUM_LAUNCH;
  const path = launch.executablePath ?? CHROMIUM;
  if (!existsSync(path)) {
    const variable = options.full ? 'CHROMIUM_FULL_BIN' : 'CHROMIUM_BIN';
    throw new Error(`Browser tests need Chromium at ${path}: apt-get install -y ${packageOf(path)} (Debian), or set ${variable}.`);
  }
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  return options.full ? chromium.launch(launch) : fileView(await workerBrowser());
}

/**
 * A photo-like JPEG drawn locally (a gradient and a few circles rendered by sharp), distinct
 * per seed: the feed screenshots show real images through the real media pipeline.
 */
export async function samplePhoto(seed: number, width = 640, height = 480): Promise<Buffer> {
  const hue = (n: number) => (seed * 67 + n * 53) % 360;
  const circles = [0, 1, 2]
    .map((i) => `<circle cx="${((seed + i) * 97) % width}" cy="${((seed + i) * 61) % height}" r="${60 + ((seed * 13 + i * 29) % 90)}" fill="hsl(${hue(i + 2)},70%,60%)" fill-opacity="0.7"/>`)
    .join('');
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
    `<stop offset="0" stop-color="hsl(${hue(0)},65%,55%)"/><stop offset="1" stop-color="hsl(${hue(1)},65%,30%)"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/>${circles}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 80 }).toBuffer();
}

/** The theme the page's own colours show. */
export async function shownTheme(page: Page): Promise<'light' | 'dark'> {
  const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
  const [r = 0, g = 0, b = 0] = (background.match(/\d+/g) ?? []).map(Number);
  return (r + g + b) / 3 > 128 ? 'light' : 'dark';
}

/**
 * Runs `check` on the open page in each theme, switched in place (the theme is CSS only: a
 * prefers-color-scheme query), after asserting the page shows it; leaves the first theme on.
 * One visit checks both themes, instead of a context and a cold load per theme.
 */
export async function inEachTheme(page: Page, check: (theme: (typeof THEMES)[number]) => Promise<void>): Promise<void> {
  try {
    for (const theme of THEMES) {
      await page.emulateMedia({ colorScheme: theme });
      if ((await shownTheme(page)) !== theme) throw new Error(`the page does not show the ${theme} theme`);
      await check(theme);
    }
  } finally {
    await page.emulateMedia({ colorScheme: THEMES[0] });
  }
}

/** Opens `path` inside the running app, as a tap on a link does (the router follows history): no cold load. */
export async function visit(page: Page, path: string): Promise<void> {
  await page.evaluate((to) => {
    history.pushState(null, '', to);
    dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

/** Sixty animation frames: time enough for a looping list to have asked again many times. */
export const frames = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<void>((resolve) => {
        let left = 60;
        const tick = () => (--left <= 0 ? resolve() : requestAnimationFrame(tick));
        requestAnimationFrame(tick);
      }),
  );

/** Posts a sample JPEG (by `seed`) as `session`, with an optional caption; answers the photo's id. */
export async function postSamplePhoto(api: Api, session: Session, seed: number, caption?: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(await samplePhoto(seed, 320, 240))], { type: 'image/jpeg' }), 'photo.jpg');
  if (caption !== undefined) form.append('caption', caption);
  const posted = await api.call('POST', `/v1/users/${session.username}/photos`, { token: session.accessToken, body: form });
  if (posted.status !== 201) throw new Error(`posting a sample photo answered ${posted.status}: ${posted.bytes.toString('utf8').slice(0, 200)}`);
  return (posted.body as { id: string }).id;
}

