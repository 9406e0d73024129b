/**
 * Failed log-ins per client address. Only failures count: thousands of people behind one
 * carrier NAT share an address, and their successful log-ins must never be refused because
 * of it. The per-account throttle in the table (patterns/accounts/credentials.ts) is what
 * stops guessing one account's password; this only caps one address spraying many accounts.
 * In memory, per instance, with a bounded number of addresses.
 */
import { httpErrors } from './errors.js';

const MAX_ADDRESSES = 100_000;
const WINDOW_MS = 60_000;

export interface LoginFailures {
  /** RATE_LIMITED when the address used up its failures for the minute. */
  check(address: string): void;
  record(address: string): void;
}

export function loginFailures(perMinute: number): LoginFailures {
  // Each address's minute starts at its own first failure: a window shared by all addresses
  // would forget an address's failures whenever the clock crossed a minute mid-attack.
  const windows = new Map<string, { start: number; count: number }>();
  const live = (address: string, now: number) => {
    const entry = windows.get(address);
    if (entry !== undefined && now - entry.start >= WINDOW_MS) {
      windows.delete(address);
      return undefined;
    }
    return entry;
  };
  return {
    check(address) {
      const now = Date.now();
      const entry = live(address, now);
      if (perMinute > 0 && entry !== undefined && entry.count >= perMinute) {
        throw httpErrors.rateLimited(`${Math.ceil((entry.start + WINDOW_MS - now) / 1000)} seconds`);
      }
    },
    record(address) {
      const now = Date.now();
      const entry = live(address, now);
      if (entry !== undefined) {
        entry.count += 1;
        return;
      }
      if (windows.size >= MAX_ADDRESSES) {
        // Bounded: drop expired windows first; if none, the oldest address's.
        for (const [key, value] of windows) if (now - value.start >= WINDOW_MS) windows.delete(key);
        if (windows.size >= MAX_ADDRESSES) windows.delete(windows.keys().next().value ?? '');
      }
      windows.set(address, { start: now, count: 1 });
    },
  };
}
