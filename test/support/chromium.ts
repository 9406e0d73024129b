/** How the browser tests start Debian's Chromium (`.ci/run` installs it when it is missing, as it installs Java). */
import type { LaunchOptions } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

export const CHROMIUM_LAUNCH: LaunchOptions = {
  executablePath: CHROMIUM,
  headless: true,
  // No network but loopback here: keep Chromium from calling home at start. Reduced motion: the
  // skeletons' pulse (the app's only animation, off under that setting) repainted every frame
  // while a list was held, and no test reads it.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--force-prefers-reduced-motion'],
};
