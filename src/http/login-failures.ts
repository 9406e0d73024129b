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
  let window = 0;
  let counts = new Map<string, number>();
  const current = () => {
    const now = Math.floor(Date.now() / WINDOW_MS);
    if (now !== window) {
      window = now;
      counts = new Map();
    }
    return counts;
  };
  return {
    check(address) {
      if (perMinute > 0 && (current().get(address) ?? 0) >= perMinute) {
        throw httpErrors.rateLimited(`${Math.ceil((WINDOW_MS - (Date.now() % WINDOW_MS)) / 1000)} seconds`);
      }
    },
    record(address) {
      const map = current();
      if (map.size >= MAX_ADDRESSES && !map.has(address)) return;
      map.set(address, (map.get(address) ?? 0) + 1);
    },
  };
}
