/** One interface for every push service (src/push/): the push view never knows which it talks to. */
import type { StoredDevice } from '../patterns/push.js';

export type PushKind = 'web' | 'apns' | 'fcm';

/** What a notification says, service-neutral; each sender maps it to its own format. */
export interface PushNotification {
  title: string;
  body: string;
  /** Path in the app the notification opens (never a URL of another origin). */
  url: string;
  /** The activity kind ("reaction", "follow", ...): clients may group by it. */
  kind: string;
  /** Bursts with the same key replace one another on the device (Topic, apns-collapse-id, collapse_key). */
  collapseKey: string;
  ttlSeconds: number;
}

export type SendResult =
  | { outcome: 'sent' }
  /** The endpoint or token is dead (404/410, Unregistered, BadDeviceToken, UNREGISTERED): prune it. */
  | { outcome: 'gone'; reason: string }
  /** 429, 5xx, a timeout or a reset: worth trying again after `retryAfterMs` (when the service said). */
  | { outcome: 'retry'; reason: string; retryAfterMs?: number | undefined }
  /** Refused for a reason a retry will not change (a payload too large, a malformed request): logged, not retried. */
  | { outcome: 'rejected'; reason: string };

export interface PushSender {
  readonly kind: PushKind;
  send(device: StoredDevice, notification: PushNotification): Promise<SendResult>;
  close(): void;
}

/** A Retry-After header (seconds or an HTTP date) in milliseconds, bounded to a minute. */
export function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  const seconds = Number(raw);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(raw) - Date.now();
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), 60_000) : undefined;
}

/** The transient answers every push service shares. */
export const isRetryStatus = (status: number): boolean => status === 429 || status >= 500;
