/** How the browser tests start Debian's Chromium (`.ci/run` installs it when it is missing, as it installs Java). */
import type { LaunchOptions } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

export const CHROMIUM_LAUNCH: LaunchOptions = {
  executablePath: CHROMIUM,
  headless: true,
  // No network but loopback here: keep Chromium from calling home at start. Reduced motion: the
  // skeletons' pulse (the app's only animation, off under that setting) repainted every frame
  // while a list was held, and no test reads it. One origin is under test: site isolation only
  // started more renderer processes, and a page kept alive in the back-forward cache is work no
  // test reads (together ~8% of a browser file's Chromium CPU, measured with TEST_CPU_LOG); the
  // other features named are background services with nowhere to call.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--force-prefers-reduced-motion', '--disable-site-isolation-trials', '--disable-features=site-per-process,IsolateOrigins,Translate,OptimizationHints,MediaRouter,BackForwardCache'],
};
