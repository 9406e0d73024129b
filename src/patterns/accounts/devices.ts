/**
 * What a session item remembers of the device that logged in: a short summary of its User-Agent
 * ("Chrome on Android"), never the raw header. Bounded (DEVICE_MAX characters) whatever the
 * client sends, and made of a fixed vocabulary, so nothing a client types reaches the list.
 */

export const DEVICE_MAX = 60;

/** First match wins: Edge and Opera also say "Chrome", Chrome also says "Safari". */
const BROWSERS: [RegExp, string][] = [
  [/\bEdg(A|iOS|e)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bChrom(e|ium)\/|\bCriOS\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
  [/^quick-photos\b/i, 'quick-photos app'],
  [/^curl\//, 'curl'],
  [/^node\b|\bundici\b/i, 'Node.js'],
];

const SYSTEMS: [RegExp, string][] = [
  [/\bAndroid\b/, 'Android'],
  [/\biPhone\b/, 'iPhone'],
  [/\biPad\b/, 'iPad'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bMac OS X\b|\bMacintosh\b/, 'macOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bLinux\b/, 'Linux'],
];

/** "Firefox on Windows", "Safari", "Linux", or "Unknown device". */
export function deviceSummary(userAgent: string): string {
  const ua = userAgent.slice(0, 512);
  const browser = BROWSERS.find(([pattern]) => pattern.test(ua))?.[1];
  const system = SYSTEMS.find(([pattern]) => pattern.test(ua))?.[1];
  const summary = browser && system ? `${browser} on ${system}` : (browser ?? system ?? 'Unknown device');
  return summary.slice(0, DEVICE_MAX);
}
