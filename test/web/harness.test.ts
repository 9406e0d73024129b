/**
 * The browser files' shared Chromium (test/web/support.ts): one per worker, kept across files.
 * A file's `close()` must leave it to the next file, and a crashed one must not fail every later
 * file of the worker.
 */
import { describe, expect, it } from 'vitest';
import { launchBrowser } from './support.js';

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
});
