/**
 * Two people use the web app in a real browser, at a phone's width: sign up, upload, follow,
 * react, see the reaction counted; every form field is labelled and nothing scrolls sideways.
 * The budget: JavaScript shipped and the time to the first profile render, both stated here.
 */
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG_1x1, startApi, type Api } from '../http/support.js';
import { buildWeb, launchBrowser, removeDir, SCREENSHOT_DIR, scriptBytes } from './support.js';

/** Uncompressed JavaScript the app may ship (Preact, its router, the generated client, the screens). */
const SCRIPT_BUDGET_BYTES = 100 * 1024;
/** From navigation to the profile's header painted, on the embedded engine. */
const FIRST_RENDER_BUDGET_MS = 3_000;
const PHONE = { width: 360, height: 740 };

let webDir: string | undefined;
let api: Api;
let browser: Browser;

beforeAll(async () => {
  webDir = await buildWeb();
  api = await startApi({ WEB_DIR: webDir });
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await api?.close();
  await removeDir(webDir);
});

async function phone(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: PHONE, baseURL: api.url, deviceScaleFactor: 1 });
  return { context, page: await context.newPage() };
}

async function signUpThroughTheForm(page: Page, username: string): Promise<void> {
  await page.goto('/signup');
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Name', { exact: true }).fill(`${username[0]?.toUpperCase() ?? ''}${username.slice(1)} Example`);
  await page.getByLabel('Email').fill(`${username}@example.com`);
  await page.getByLabel('Birthdate').fill('1990-05-17');
  await page.getByLabel('Password').fill(`long-password-of-${username}`);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { name: `${username[0]?.toUpperCase() ?? ''}${username.slice(1)} Example` }).waitFor();
}

async function assertUsableOnAPhone(page: Page): Promise<void> {
  const layout = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    unlabelled: [...document.querySelectorAll('input, select, textarea')].filter((e) => (e as HTMLInputElement).labels?.length === 0 && !e.getAttribute('aria-label')).length,
    wide: [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 360).map((e) => `${e.tagName}.${e.className}`).slice(0, 8).join(' '),
    unnamedButtons: [...document.querySelectorAll('button')].filter((b) => !b.textContent?.trim() && !b.getAttribute('aria-label')).length,
  }));
  expect(layout.scrollWidth, layout.wide).toBeLessThanOrEqual(PHONE.width);
  expect(layout.unlabelled).toBe(0);
  expect(layout.unnamedButtons).toBe(0);
}

describe('the web app', () => {
  it('ships its JavaScript within budget', async () => {
    expect(await scriptBytes(webDir ?? '')).toBeLessThan(SCRIPT_BUDGET_BYTES);
  });

  it('serves the app shell with the right caching, and keeps API paths JSON', async () => {
    const page = await fetch(`${api.url}/u/somebody`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-cache');
    const html = await page.text();
    const asset = /\/assets\/[^"]+\.js/.exec(html)?.[0];
    expect(asset).toBeDefined();
    const script = await fetch(`${api.url}${asset ?? ''}`);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const manifest = await fetch(`${api.url}/manifest.webmanifest`);
    expect(manifest.status).toBe(200);
    const unknownApi = await fetch(`${api.url}/v1/nothing-here`);
    expect(unknownApi.status).toBe(404);
    expect(((await unknownApi.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
  });

  it('carries two people from sign-up to a reaction on a shared photo', async () => {
    const ann = await phone();
    const ben = await phone();
    try {
      await signUpThroughTheForm(ann.page, 'ann');
      await assertUsableOnAPhone(ann.page);

      // Ann shares a photo.
      await ann.page.getByRole('link', { name: 'New photo' }).click();
      await ann.page.getByLabel('Image').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: PNG_1x1 });
      await ann.page.getByAltText('Preview of the image to upload').waitFor();
      await assertUsableOnAPhone(ann.page);
      await ann.page.screenshot({ path: join(SCREENSHOT_DIR, 'upload.png') });
      await ann.page.getByRole('button', { name: 'Share' }).click();
      await ann.page.getByRole('group', { name: 'Reactions' }).waitFor();
      const photoPath = new URL(ann.page.url()).pathname;
      expect(photoPath).toMatch(/^\/p\/[A-Za-z0-9_-]+$/);

      // Ben finds her, follows her, and reacts.
      await signUpThroughTheForm(ben.page, 'ben');
      const started = Date.now();
      await ben.page.goto('/u/ann');
      await ben.page.getByRole('heading', { name: 'Ann Example' }).waitFor();
      expect(Date.now() - started).toBeLessThan(FIRST_RENDER_BUDGET_MS);
      await ben.page.getByRole('button', { name: 'Follow' }).click();
      await ben.page.getByRole('button', { name: 'Unfollow' }).waitFor();
      await expect.poll(() => ben.page.getByRole('link', { name: /followers/ }).textContent()).toMatch(/^1\s*followers$/);
      await ben.page.screenshot({ path: join(SCREENSHOT_DIR, 'profile.png') });

      await ben.page.goto(photoPath);
      await ben.page.getByRole('button', { name: 'Heart: 0' }).click();
      await ben.page.getByRole('button', { name: 'Heart: 1' }).waitFor();
      expect(await ben.page.getByRole('button', { name: 'Heart: 1' }).getAttribute('aria-pressed')).toBe('true');
      await ben.page.screenshot({ path: join(SCREENSHOT_DIR, 'photo.png') });

      // Ann sees it, after a reload: her session survives it.
      await ann.page.reload();
      await ann.page.getByRole('button', { name: 'Heart: 1' }).waitFor();
      await expect.poll(() => ann.page.getByRole('list').filter({ hasText: '@ben' }).count()).toBe(1);

      // Ben takes the reaction back; the count follows.
      await ben.page.getByRole('button', { name: 'Heart: 1' }).click();
      await ben.page.getByRole('button', { name: 'Heart: 0' }).waitFor();
    } finally {
      await ann.context.close();
      await ben.context.close();
    }
  });
});
