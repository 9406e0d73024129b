/**
 * How the browser tests start Debian's Chromium (`.ci/run` installs it when it is missing, as it
 * installs Java).
 *
 * They drive its headless shell (package chromium-headless-shell, the build Playwright itself
 * runs headless by default): the same Blink and V8 without the browser's own interface. The full
 * browser, headless, still loads its WebUI (the omnibox popup, the compose box) into a renderer
 * of every window: in `test/web/layout.test.ts` those renderers used more CPU than the app's own,
 * and the web files took 2.3 times the Chromium CPU (413 s against 177 s, all of test/web/).
 * The full browser stays for what only it does: showing a notification (`launchBrowser({ full: true })`).
 */
import type { LaunchOptions } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium-headless-shell';
/** The full browser, for notifications. */
export const FULL_CHROMIUM = process.env.CHROMIUM_FULL_BIN ?? '/usr/bin/chromium';

export const CHROMIUM_LAUNCH: LaunchOptions = {
  executablePath: CHROMIUM,
  headless: true,
  // No network but loopback here: keep Chromium from calling home at start. Reduced motion: the
  // skeletons' pulse (the app's only animation, off under that setting) repainted every frame
  // while a list was held, and no test reads it.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--force-prefers-reduced-motion'],
};

export const FULL_CHROMIUM_LAUNCH: LaunchOptions = { ...CHROMIUM_LAUNCH, executablePath: FULL_CHROMIUM };

/** The Debian package that installs `path`, for the message when it is missing. */
export const packageOf = (path: string): string => (path === FULL_CHROMIUM ? 'chromium' : 'chromium-headless-shell');
