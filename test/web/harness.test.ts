/**
 * The browser files' shared Chromium (test/web/support.ts): one per worker, kept across files.
 * A file's `close()` must leave it to the next file, a crashed one must not fail every later
 * file of the worker, and the worker's end must not leave the browser's directories behind.
 */
import { existsSync, readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { CHROMIUM_LAUNCH } from '../support/chromium.js';
import { processTree } from '../support/sockets.js';
import { closeOnTermination, launchBrowser } from './support.js';

/** The profile directories of the Chromiums among this process's descendants. */
function profileDirs(): Set<string> {
  const dirs = new Set<string>();
  for (const pid of processTree(process.pid)) {
    try {
      const dir = /--user-data-dir=([^\0]+)/.exec(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))?.[1];
      if (dir) dirs.add(dir);
    } catch {
      // Gone between the listing and the read.
    }
  }
  return dirs;
}

describe("a worker's Chromium", () => {
  it("outlives a file's close(), which closes only that file's contexts", async () => {
    const first = await launchBrowser();
    const mine = await first.newContext();
    const other = await launchBrowser();
    const theirs = await other.newContext();
    expect(first.contexts()).toEqual([mine]);
    await first.close();
    expect(first.contexts()).toEqual([]);
    expect(first.isConnected()).toBe(true);
    // The other file's context is still open, in the same browser.
    const page = await theirs.newPage();
    expect(await page.evaluate(() => 1 + 1)).toBe(2);
    await other.close();
  });

  it('is launched again after it crashed', async () => {
    const crashed = await launchBrowser();
    const disconnected = new Promise<void>((resolve) => crashed.on('disconnected', () => resolve()));
    const session = await crashed.newBrowserCDPSession();
    // Answered by the crash itself: the connection drops before any reply.
    void session.send('Browser.crash').catch(() => undefined);
    await disconnected;
    const next = await launchBrowser();
    expect(next.isConnected()).toBe(true);
    const page = await (await next.newContext()).newPage();
    expect(await page.evaluate(() => navigator.userAgent)).toContain('Chrome');
    await next.close();
  });

  it('closes on SIGTERM, as vitest ends a worker, so its profile directory is removed before the worker exits', async () => {
    const before = profileDirs();
    const browser = await chromium.launch(CHROMIUM_LAUNCH);
    const [profile] = [...profileDirs()].filter((dir) => !before.has(dir));
    expect(profile).toBeDefined();
    expect(existsSync(profile!)).toBe(true);
    const listeners = process.listenerCount('SIGTERM');
    let exits = 0;
    const terminate = closeOnTermination(browser, () => exits++);
    expect(process.listenerCount('SIGTERM')).toBe(listeners + 1);
    await terminate();
    expect(exits).toBe(1);
    expect(browser.isConnected()).toBe(false);
    expect(existsSync(profile!)).toBe(false);
    // The listener went with the browser: a later SIGTERM does not reach a closed one.
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });
});
